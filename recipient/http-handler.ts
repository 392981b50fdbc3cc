import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NotificationReceiver } from './notification-receiver.js';

export interface HandlerOptions {
  /** Which subscription a request is for (e.g. the last path segment); undefined → 404. */
  keyOf(request: IncomingMessage): string | undefined;
  /** Bodies larger than this are refused with 413 (a notification of a few events is small). */
  maxBytes?: number;
}

/**
 * A framework-free rest-hook endpoint (node:http request → response). It answers 200 only after
 * the receiver's `accept` resolved — the events are durable — so the server's retry covers every
 * failure in between; any 2xx is a delivery for the sender (Backport IG "rest-hook").
 */
export function notificationHandler(receiver: NotificationReceiver, options: HandlerOptions) {
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const answer = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(message);
    };
    if (request.method !== 'POST') return answer(405, 'notifications are POSTed');
    const key = options.keyOf(request);
    if (key === undefined) return answer(404, 'no such subscription endpoint');
    const body = await readBody(request, maxBytes);
    if (body === undefined) return answer(413, 'the notification is too large');
    try {
      const outcome = await receiver.receive(key, request.headers, body);
      answer(outcome.status, outcome.message);
    } catch (error) {
      answer(500, `not accepted: ${(error as Error).message}`);
    }
  };
}

/** The whole body, or undefined past `maxBytes` (the rest is drained, not buffered). */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}
