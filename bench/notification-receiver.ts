import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';

/**
 * Where the subscription benchmark's notifications arrive, in the bench process (so send and
 * arrival times come from one clock, `performance.now()`): a loopback rest-hook endpoint and a
 * websocket client. Each arrival is keyed by the id of the event's focus.
 */
/** An epoch-based high-resolution time, comparable between processes of one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export class NotificationReceiver {
  /** Called for every arrival (the receiver process forwards them to the bench). */
  onArrival: ((subscription: string, focus: string, at: number) => void) | undefined;
  onHandshake: (() => void) | undefined;
  /** Subscription id → focus id → first arrival (at-least-once may repeat one). */
  readonly arrivals = new Map<string, Map<string, number>>();
  handshakes = 0;
  private server: Server | undefined;
  private readonly sockets: WebSocket[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.record(Buffer.concat(chunks).toString('utf8'));
        res.statusCode = 200;
        res.end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Opens a websocket and binds it with `token`; resolves once the handshake arrived. */
  async bind(url: string, token: string): Promise<void> {
    const socket = new WebSocket(url);
    this.sockets.push(socket);
    let handshaken: () => void = () => undefined;
    const handshake = new Promise<void>((resolve) => { handshaken = resolve; });
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.includes('"handshake"')) handshaken();
      this.record(text);
    });
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    socket.send(`bind-with-token ${token}`);
    await handshake;
  }

  received(subscriptionId: string): number {
    return this.arrivals.get(subscriptionId)?.size ?? 0;
  }

  arrivalOf(subscriptionId: string, focusId: string): number | undefined {
    return this.arrivals.get(subscriptionId)?.get(focusId);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private record(text: string): void {
    const at = now();
    let bundle: { entry?: { resource?: { resourceType?: string; parameter?: Param[] } }[] };
    try {
      bundle = JSON.parse(text);
    } catch {
      return;
    }
    const status = bundle.entry?.[0]?.resource?.parameter ?? [];
    if (status.some((p) => p.name === 'type' && p.valueCode === 'handshake')) {
      this.handshakes++;
      this.onHandshake?.();
    }
    const subscription = status.find((p) => p.name === 'subscription')?.valueReference?.reference?.split('/').pop() ?? '';
    for (const event of status.filter((p) => p.name === 'notification-event')) {
      const focus = event.part?.find((p) => p.name === 'focus')?.valueReference?.reference?.split('/').pop();
      if (!focus) continue;
      const seen = this.arrivals.get(subscription) ?? new Map<string, number>();
      if (!seen.has(focus)) {
        seen.set(focus, at);
        this.onArrival?.(subscription, focus, at);
      }
      this.arrivals.set(subscription, seen);
    }
  }
}

type Param = { name: string; valueCode?: string; valueReference?: { reference?: string }; part?: Param[] };
