import { createRemoteJWKSet, flattenedVerify, type FlattenedVerifyGetKey, type JWTVerifyGetKey } from 'jose';

/**
 * Checks a detached JWS (RFC 7515 Appendix F: `header..signature`, the payload left out) over the
 * exact bytes of the notification body, with the server's keys from its `jwks_uri`. RFC 7797
 * `b64: false` (the body signed as is) and the default (base64url of the body) are both accepted.
 * Returns the protected header on success; throws when the signature does not verify.
 *
 * The Backport IG defines no signature header; servers that sign pick one (this library's default
 * is `X-Signature`). A recipient that requires signatures refuses unsigned notifications itself.
 */
export async function verifyDetachedJws(jws: string, body: Uint8Array, keys: JWTVerifyGetKey): Promise<Record<string, unknown>> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || parts[1] !== '') throw new Error('not a detached JWS (header..signature)');
  const [protectedHeader, , signature] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  const payload = header.b64 === false ? body : Buffer.from(body).toString('base64url');
  // A key set resolves keys the same way for every JWS serialization; only jose's types differ.
  const verified = await flattenedVerify({ protected: protectedHeader, payload, signature }, keys as unknown as FlattenedVerifyGetKey);
  return verified.protectedHeader as Record<string, unknown>;
}

/** The server's key set, fetched from `jwks_uri` and cached by jose (re-fetched on an unknown `kid`). */
export function serverKeys(jwksUri: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUri));
}
