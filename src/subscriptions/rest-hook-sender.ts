import { OutboundClient, OutboundRefused } from '../base/index.js';
import { SIGNATURE_HEADER } from './sign-notification.js';

/**
 * Backport IG "rest-hook": an HTTP POST of the notification Bundle to `channel.endpoint`, with
 * `Content-Type` = `channel.payload`, each `channel.header` as given, and the server's signature
 * when it signs. Any 2xx is a delivery.
 * Every request goes through an `OutboundClient` (SSRF guard: no private addresses; loopback only in
 * sandbox; https only in production) with the subscription's `timeout`.
 */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface RestHookRequest {
  endpoint: string;
  payload: string;
  headers: string[];
  body: string;
  timeoutMs: number;
  /** A detached JWS over `body`, sent as `X-Signature` (sign-notification.ts). */
  signature?: string;
}

export type RestHookSender = (request: RestHookRequest) => Promise<SendResult>;

export function restHookSender(mode: 'sandbox' | 'production', maxBytes: number): RestHookSender {
  // The sender's own kept-alive connections to the endpoints.
  const client = new OutboundClient();
  return async (request) => {
    const started = performance.now();
    const headers: Record<string, string> = {};
    for (const line of request.headers) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    headers['Content-Type'] = request.payload;
    if (request.signature !== undefined) {
      // Ours, whatever `channel.header` says: one signature header, never two spellings of it.
      for (const name of Object.keys(headers)) if (name.toLowerCase() === SIGNATURE_HEADER.toLowerCase()) delete headers[name];
      headers[SIGNATURE_HEADER] = request.signature;
    }
    try {
      const response = await client.fetch(request.endpoint, {
        allowLoopback: mode === 'sandbox', httpsOnly: mode === 'production', timeoutMs: request.timeoutMs, maxBytes,
      }, { method: 'POST', headers, body: request.body });
      const ok = response.status >= 200 && response.status < 300;
      return { ok, statusCode: response.status, latencyMs: Math.round(performance.now() - started), error: ok ? null : `The endpoint answered HTTP ${response.status}` };
    } catch (error) {
      const message = error instanceof OutboundRefused ? error.message : `delivery failed: ${(error as Error).message}`;
      return { ok: false, statusCode: null, latencyMs: Math.round(performance.now() - started), error: message };
    }
  };
}
