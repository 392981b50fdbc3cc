import { createHash, timingSafeEqual } from 'node:crypto';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * The sender check of rest-hook (Backport IG "channel.header"): the recipient put a secret header
 * in `channel.header` when it subscribed, and only the server it gave it to can echo it. Compared
 * in constant time over digests, so neither the value nor its length leaks through timing.
 *
 * `expected` is the header line exactly as it was put in `channel.header`: `Name: value`.
 */
export function checkHeaderSecret(headers: IncomingHeaders, expected: string): boolean {
  const colon = expected.indexOf(':');
  if (colon < 1) throw new Error('the expected header must be written "Name: value"');
  const name = expected.slice(0, colon).trim().toLowerCase();
  const value = expected.slice(colon + 1).trim();
  const received = headers[name];
  // A repeated header is ambiguous: refuse rather than pick one.
  if (typeof received !== 'string') return false;
  return timingSafeEqual(digest(received.trim()), digest(value));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A fresh secret header line for `channel.header`: 256 random bits. */
export function newHeaderSecret(name = 'X-Subscription-Secret'): string {
  return `${name}: ${createHash('sha256').update(crypto.getRandomValues(new Uint8Array(32))).digest('base64url')}`;
}
