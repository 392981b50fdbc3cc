import { createHash, randomBytes } from 'node:crypto';

/** 256 bits, URL-safe: codes, refresh tokens, launch values, session ids, client secrets, invitation links. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * How high-entropy server-made values are kept at rest (codes, refresh tokens, launches, session
 * ids, generated client secrets, invitation links): a SHA-256 digest. Guessing the input is as hard
 * as guessing the value, so a slow KDF would add nothing but latency; passwords, chosen by people,
 * use scrypt (auth/secrets.ts).
 */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
