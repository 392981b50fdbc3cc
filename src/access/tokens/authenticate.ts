import type { Clock } from '../../base/index.js';
import type { AuthRecords } from '../../storage/index.js';
import { Unauthenticated } from '../access-errors.js';
import { OPEN_ACCESS, type AccessContext } from '../caller.js';
import { callerOfGrant } from './caller-of-grant.js';
import { verifyAccessToken, type AccessTokenClaims } from './access-token.js';
import { grantLiveness } from './grant-liveness.js';
import type { SigningKeys } from './signing-keys.js';

/** Verified signatures are remembered (not liveness: that is looked up on every request). */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AuthenticatorOptions {
  records: AuthRecords;
  keys: SigningKeys;
  clock: Clock;
  /** Our issuer and the audience our tokens name: the FHIR base URL. */
  issuer: string;
  audience: string;
  /** `--open`: no token needed. */
  open: boolean;
}

/**
 * The resource server's first step (RFC 6750): from an `Authorization` header to a Caller, or
 * `Unauthenticated`. The signature check is cached per token; the grant's liveness and the
 * token id's revocation are read from storage every time, so a revocation takes effect on the
 * next request in every process.
 */
export function createAuthenticator(options: AuthenticatorOptions): (authorization: string | undefined) => Promise<AccessContext> {
  const verified = new Map<string, AccessTokenClaims>();

  const claimsOf = async (token: string): Promise<AccessTokenClaims> => {
    const nowSeconds = options.clock.now().getTime() / 1000;
    const cached = verified.get(token);
    if (cached && cached.exp > nowSeconds) return cached;
    const claims = await verifyAccessToken(options.keys, token, { issuer: options.issuer, audience: options.audience, now: options.clock.now() });
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
    verified.set(token, claims);
    return claims;
  };

  return async (authorization) => {
    if (options.open) return OPEN_ACCESS;
    const token = bearerToken(authorization);
    const claims = await claimsOf(token);
    const [grant, revoked] = await Promise.all([options.records.getGrant(claims.grant), options.records.isTokenIdRevoked(claims.jti)]);
    if (!grant) throw new Unauthenticated('The access token\'s grant does not exist', 'invalid_token');
    if (revoked) throw new Unauthenticated('The access token was revoked', 'invalid_token');
    const liveness = await grantLiveness(options.records, grant, options.clock.now().getTime());
    if (!liveness.alive) throw new Unauthenticated(`The access token is no longer valid: ${liveness.reason}`, 'invalid_token');
    return { open: false, caller: callerOfGrant(grant, claims.scope, claims.jti) };
  };
}

/** RFC 6750 §2.1: `Bearer <token68>`, scheme case-insensitive. */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw new Unauthenticated('This request needs a bearer token');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) throw new Unauthenticated('The Authorization header is not a Bearer token', 'invalid_request');
  return match[1]!;
}
