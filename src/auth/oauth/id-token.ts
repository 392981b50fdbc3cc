import { SignJWT } from 'jose';
import { TOKEN_ALG } from '../../access/index.js';
import type { GrantRecord, UserRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { ACCESS_TOKEN_SECONDS } from './discovery.js';

/**
 * OpenID Connect Core §2 id token, RS256 (SMART §"Scopes for requesting identity data"): `fhirUser`
 * only when the `fhirUser` scope was granted, `nonce` echoed when the request had one.
 */
export async function idToken(ctx: AuthContext, grant: GrantRecord, user: UserRecord, granted: { fhirUser: boolean; profile: boolean }, nonce: string | null): Promise<string> {
  const key = await ctx.keys.signingKey();
  const claims: Record<string, string> = {};
  if (granted.fhirUser) claims.fhirUser = `${ctx.fhirBase}/${user.fhirUser}`;
  if (granted.profile) claims.name = user.displayName;
  if (nonce) claims.nonce = nonce;
  const iat = Math.floor(nowMs(ctx) / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(ctx.fhirBase)
    .setSubject(user.userId)
    .setAudience(grant.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
    .sign(key.privateKey);
}
