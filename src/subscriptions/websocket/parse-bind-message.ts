/**
 * A client message on the subscriptions websocket. The Backport IG and R5 name the message
 * `bind-with-token` but give no normative wire format (only the diagram "bind-with-token
 * <token>"); servers in the wild read these spellings, and so do we:
 *   bind-with-token <token>            (the IG's diagram; fhir-candle)
 *   bind-with-token: <token>
 *   {"type":"bind-with-token","payload":{"token":"<token>"}}   (R5-era JSON clients, e.g. Medplum's)
 * and the same three for `unbind-from-token`.
 */
export type ClientMessage =
  | { kind: 'bind'; token: string }
  | { kind: 'unbind'; token: string }
  | { kind: 'invalid'; reason: string };

const HINT = 'send "bind-with-token <token>" with a token from Subscription/$get-ws-binding-token';

export function parseClientMessage(text: string): ClientMessage {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return { kind: 'invalid', reason: `The message is not valid JSON: ${HINT}` };
    }
    const message = parsed as { type?: unknown; payload?: { token?: unknown }; token?: unknown };
    const token = message.payload?.token ?? message.token;
    const kind = message.type === 'bind-with-token' ? 'bind' : message.type === 'unbind-from-token' ? 'unbind' : undefined;
    if (!kind) return { kind: 'invalid', reason: `Unknown message type ${JSON.stringify(message.type ?? null)}: ${HINT}` };
    if (typeof token !== 'string' || token === '') return { kind: 'invalid', reason: `${String(message.type)} needs payload.token: ${HINT}` };
    return { kind, token };
  }
  const match = /^(bind-with-token|unbind-from-token)\s*:?\s*(\S*)$/.exec(trimmed);
  if (!match) return { kind: 'invalid', reason: `Unknown message: ${HINT}` };
  if (match[2] === '') return { kind: 'invalid', reason: `${match[1]} needs a token: ${HINT}` };
  return { kind: match[1] === 'bind-with-token' ? 'bind' : 'unbind', token: match[2]! };
}
