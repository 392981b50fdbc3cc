import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { GrantRecord } from '../../storage/index.js';
import { Unauthenticated } from '../access-errors.js';
import { TOKEN_ALG, type SigningKeys } from './signing-keys.js';

/**
 * What an access token carries (docs/adr/0003-grant-model.md): the grant it hangs off, its own id
 * for single-token revocation, and the context a resource server or introspection needs.
 */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  grant: string;
  client_id: string;
  scope: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  /** RFC 8693 §4.1: on a derived token, the party acting with it. */
  act?: { sub: string };
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export async function signAccessToken(keys: SigningKeys, options: {
  issuer: string; audience: string; grant: GrantRecord; scope: string; lifetimeSeconds: number; now: Date; actor?: string;
}): Promise<IssuedAccessToken> {
  const { grant } = options;
  const jti = randomUUID();
  const iat = Math.floor(options.now.getTime() / 1000);
  const expiresAt = iat + options.lifetimeSeconds;
  const claims: Record<string, unknown> = { grant: grant.id, client_id: grant.clientId, scope: options.scope };
  if (options.actor) claims.act = { sub: options.actor };
  if (grant.patientId) claims.patient = grant.patientId;
  if (grant.encounterId) claims.encounter = grant.encounterId;
  if (grant.fhirUser) claims.fhirUser = grant.fhirUser;
  const key = await keys.signingKey();
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(grant.userId ?? grant.clientId)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, jti, expiresAt };
}

/**
 * Signature, issuer, audience, expiry and shape. Liveness of the grant and of this `jti` is
 * checked separately (it needs storage), on every use.
 */
export async function verifyAccessToken(keys: SigningKeys, token: string, options: { issuer: string; audience: string; now: Date }): Promise<AccessTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.verificationKeys(), {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [TOKEN_ALG],
      typ: 'at+jwt',
      currentDate: options.now,
    }));
  } catch (error) {
    throw new Unauthenticated(describeJoseError(error), 'invalid_token');
  }
  for (const claim of ['sub', 'jti', 'grant', 'client_id', 'scope'] as const) {
    if (typeof payload[claim] !== 'string') throw new Unauthenticated(`The access token lacks the "${claim}" claim`, 'invalid_token');
  }
  if (typeof payload.exp !== 'number') throw new Unauthenticated('The access token has no expiry', 'invalid_token');
  return payload as unknown as AccessTokenClaims;
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The access token's "${error.claim}" claim is not accepted here`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by this server';
  return 'The access token is malformed';
}
