import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { ClientRecord } from '../../storage/index.js';
import { authUrls, nowMs, type AuthContext } from '../auth-context.js';
import type { ClientJwks } from '../clients/client-jwks.js';
import { digest, sameSecret } from '../secrets.js';
import type { FormParams } from './form-params.js';
import { invalidClient, invalidRequest } from './oauth-error.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: assertions are RS384 or ES384. */
export const ASSERTION_ALGS = ['RS384', 'ES384'];
/** SMART: `exp` no more than five minutes in the future. */
const MAX_ASSERTION_SECONDS = 300;
/** Clock skew we forgive on `exp`/`iat`/`nbf`. */
const SKEW_SECONDS = 30;

export interface AuthenticatedClient {
  client: ClientRecord;
  method: 'none' | 'client_secret_basic' | 'private_key_jwt';
}

/**
 * RFC 6749 §2.3 / §3.2.1 and RFC 7523 §3: who is calling the token (or introspection, revocation)
 * endpoint. Exactly one method per request; a confidential client must use its own.
 * Failures are `invalid_client` (401), never `invalid_request`, once a client was identified.
 */
export async function authenticateClient(ctx: AuthContext, jwks: ClientJwks, authorization: string | undefined, params: FormParams): Promise<AuthenticatedClient> {
  const basic = parseBasic(authorization);
  const assertionType = params.optional('client_assertion_type');
  const assertion = params.optional('client_assertion');
  const bodySecret = params.optional('client_secret');
  if (bodySecret !== undefined) throw invalidClient('client_secret_post is not supported: send the secret with HTTP Basic');
  if (basic && assertion) throw invalidRequest('Use one client authentication method, not several');

  if (basic) {
    const client = await ctx.records.getClient(basic.clientId);
    const paramId = params.optional('client_id');
    if (paramId !== undefined && paramId !== basic.clientId) throw invalidClient('client_id does not match the authenticated client', true);
    if (!client || client.kind !== 'confidential-symmetric' || !client.secretHash || !sameSecret(digest(basic.secret), client.secretHash)) {
      throw invalidClient('Client authentication failed', true);
    }
    return { client, method: 'client_secret_basic' };
  }

  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (assertion === undefined) throw invalidClient('client_assertion is missing');
    const client = await verifyClientAssertion(ctx, jwks, assertion, params.optional('client_id'));
    return { client, method: 'private_key_jwt' };
  }

  const clientId = params.optional('client_id');
  if (clientId === undefined) throw invalidClient('The client did not identify itself');
  const client = await ctx.records.getClient(clientId);
  if (!client) throw invalidClient('Unknown client');
  if (client.kind !== 'public') throw invalidClient('This client must authenticate');
  return { client, method: 'none' };
}

function parseBasic(authorization: string | undefined): { clientId: string; secret: string } | undefined {
  if (!authorization || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('Malformed HTTP Basic credentials', true);
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
  let credentials: { clientId: string; secret: string };
  try {
    credentials = { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    throw invalidClient('Malformed HTTP Basic credentials', true);
  }
  // Appendix A: client_id is VSCHAR; a NUL would also fail in PostgreSQL instead of matching nothing.
  if (credentials.clientId.includes('\0')) throw invalidClient('Malformed HTTP Basic credentials', true);
  return credentials;
}

/**
 * SMART Backend Services §"Authenticating to the Token endpoint" / RFC 7523 §3: `iss` = `sub` =
 * client id, `aud` = our token URL, `exp` at most five minutes ahead, a `jti` never seen before
 * within its lifetime, `jku` only if it is the registered JWKS URL, one key by `kid`.
 */
export async function verifyClientAssertion(ctx: AuthContext, jwks: ClientJwks, assertion: string, clientIdParam: string | undefined): Promise<ClientRecord> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  const clientId = unverified.iss;
  if (typeof clientId !== 'string' || unverified.sub !== clientId) throw invalidClient('The assertion\'s iss and sub must both be the client id');
  if (clientIdParam !== undefined && clientIdParam !== clientId) throw invalidClient('client_id does not match the assertion');
  const client = await ctx.records.getClient(clientId);
  if (!client || client.kind !== 'confidential-asymmetric') throw invalidClient('Unknown client, or not registered for private_key_jwt');
  if (!header.alg || !ASSERTION_ALGS.includes(header.alg)) throw invalidClient(`The assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`);
  if (header.jku !== undefined && header.jku !== client.jwksUri) throw invalidClient('The assertion\'s jku is not the registered JWKS URL');

  let keys;
  try {
    keys = await jwks.keysOf(client);
  } catch (error) {
    throw invalidClient(`The client's keys could not be loaded: ${(error as Error).message}`);
  }
  const now = new Date(nowMs(ctx));
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_ALGS,
      audience: authUrls(ctx).token,
      issuer: clientId,
      subject: clientId,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: SKEW_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    throw invalidClient(`The client assertion was refused: ${assertionProblem(error)}`);
  }
  const exp = payload.exp!;
  if (exp - now.getTime() / 1000 > MAX_ASSERTION_SECONDS + SKEW_SECONDS) throw invalidClient('The assertion\'s exp is more than five minutes ahead');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw invalidClient('The assertion needs a jti');
  if (!(await ctx.records.recordAssertionId(clientId, payload.jti, (exp + SKEW_SECONDS) * 1000))) {
    throw invalidClient('The assertion\'s jti was already used');
  }
  return client;
}

function assertionProblem(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `its "${error.claim}" claim is wrong`;
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'more than one registered key matches; give a kid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches its kid';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  return 'it is malformed';
}
