import { Unauthenticated, verifyAccessToken, type AccessTokenClaims } from '../../access/index.js';
import type { RefreshTokenRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { digest } from '../secrets.js';

/** A token handed to introspection or revocation, once we know which of ours it is. */
export type PresentedToken =
  | { kind: 'access_token'; claims: AccessTokenClaims }
  | { kind: 'refresh_token'; record: RefreshTokenRecord }
  | { kind: 'unknown' };

/** A JWS in compact form: three base64url parts. Our refresh tokens have no dots. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Finds what a presented token is. Our two kinds differ in shape (access tokens are JWTs, refresh
 * tokens random base64url), so `token_type_hint` is never needed: RFC 7662 §2.1 and RFC 7009 §2.1
 * let the server search every type when the hint is absent or wrong.
 *
 * An access token counts only when its signature, issuer, audience and expiry verify; a forged,
 * expired or malformed one is `unknown` rather than an error. Liveness is the caller's question.
 * A refresh token is looked up by its digest: only digests are stored.
 */
export async function findPresentedToken(ctx: AuthContext, token: string): Promise<PresentedToken> {
  if (COMPACT_JWS.test(token)) {
    try {
      const claims = await verifyAccessToken(ctx.keys, token, { issuer: ctx.fhirBase, audience: ctx.fhirBase, now: new Date(nowMs(ctx)) });
      return { kind: 'access_token', claims };
    } catch (error) {
      // A token we cannot vouch for is simply not ours; anything else (storage down) is a failure.
      if (error instanceof Unauthenticated) return { kind: 'unknown' };
      throw error;
    }
  }
  const record = await ctx.records.getRefreshToken(digest(token));
  return record ? { kind: 'refresh_token', record } : { kind: 'unknown' };
}
