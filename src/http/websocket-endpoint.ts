import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { Services } from './services.js';

/** Where the FHIR plugin lives plus `/ws`: the path of `websocketUrlOf(config)` as this process serves it. */
export const WEBSOCKET_PATH = '/fhir/ws';
/** A client message is a bind or unbind line; nothing larger is needed. */
const MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * The subscriptions websocket (Backport IG "Websockets"): HTTP upgrades at WEBSOCKET_PATH are
 * handed to the websocket channel; any other upgrade is refused. Sockets close when the server
 * closes; their undelivered events stay recorded for the next bind.
 */
export function registerWebsocketEndpoint(app: FastifyInstance, services: Services): void {
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  services.websockets.start();
  app.server.on('upgrade', (request, socket, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => services.websockets.accept(ws));
  });
  app.addHook('preClose', async () => {
    services.websockets.stop();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}
