import { FlattenedSign } from 'jose';
import { NOTIFICATION_ALG, type SigningKeys } from '../access/index.js';

/** The request header that carries the detached JWS over a rest-hook body (README.md "Signatures"). */
export const SIGNATURE_HEADER = 'X-Signature';

/** Signs a notification body exactly as sent; returns the header value. */
export type NotificationSigner = (body: string) => Promise<string>;

/**
 * A detached JWS (RFC 7515 Appendix F: `<protected>..<signature>`, the payload left out) over the
 * exact bytes of the body, with the server's current ES256 notification key — published at
 * `jwks_uri` beside the token keys, named by `kid`. The payload is base64url-encoded before signing (the RFC 7515
 * default, no RFC 7797 `b64: false`), which every JOSE library verifies; the Backport IG defines
 * no signature, so this is for recipients that want one besides their `channel.header` secret.
 */
export function detachedJwsSigner(keys: SigningKeys): NotificationSigner {
  const encoder = new TextEncoder();
  return async (body) => {
    const key = await keys.signingKey(NOTIFICATION_ALG);
    const jws = await new FlattenedSign(encoder.encode(body)).setProtectedHeader({ alg: NOTIFICATION_ALG, kid: key.kid }).sign(key.privateKey);
    return `${jws.protected}..${jws.signature}`;
  };
}
