import { randomUUID } from 'node:crypto';
import { grantLiveness } from '../../access/index.js';
import type { ClientRecord, GrantRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import type { ClientJwks } from '../clients/client-jwks.js';
import { digest, randomToken } from '../secrets.js';
import { verifyClientAssertion, type AuthenticatedClient } from './client-authentication.js';
import { ACCESS_TOKEN_SECONDS } from './discovery.js';
import type { FormParams } from './form-params.js';
import { accessTokenResponse, type TokenResponse } from './issue-tokens.js';
import { OAuthError, invalidGrant, invalidRequest } from './oauth-error.js';
import { narrowRequestedScope } from './narrow-requested-scope.js';
import { findPresentedToken } from './presented-token.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/**
 * RFC 8693 token exchange — derived tokens (ADR 0003 `derived` grants). An app hands a narrower
 * copy of its authority to a helper (a CDS service, a background worker) without giving away its
 * own: the derived grant records its parent grant (and the parent access token), so it dies with
 * either (grant liveness), never outlives or out-scopes it, and names the holder in `act`.
 *
 * - subject an access token → a derived access token, no longer-lived than the subject;
 * - subject a refresh token → a derived offline session (a refresh token) for the worker client
 *   named by `actor_token`, which redeems it with its own client authentication.
 */
export function tokenExchangeGrant(jwks: ClientJwks) {
  return async (ctx: AuthContext, caller: AuthenticatedClient, params: FormParams): Promise<TokenResponse> => {
    const subjectToken = params.required('subject_token');
    const subjectType = params.required('subject_token_type');
    if (subjectType !== ACCESS_TOKEN_TYPE && subjectType !== REFRESH_TOKEN_TYPE) {
      throw invalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${REFRESH_TOKEN_TYPE}`);
    }
    for (const name of ['audience', 'resource']) {
      const target = params.optional(name);
      if (target !== undefined && target.replace(/\/+$/, '') !== ctx.fhirBase) {
        throw new OAuthError('invalid_target', `${name} must be this server's FHIR base URL, ${ctx.fhirBase}: derived tokens are only for it`);
      }
    }
    const requestedType = params.optional('requested_token_type');
    const actor = await actorOf(ctx, jwks, caller.client, params);
    const now = nowMs(ctx);

    const presented = await findPresentedToken(ctx, subjectToken);
    let parent: GrantRecord | undefined;
    let parentTokenId: string | null = null;
    let parentExpiresAt: number | null;
    if (subjectType === ACCESS_TOKEN_TYPE) {
      if (presented.kind !== 'access_token') throw invalidGrant('subject_token is not a valid access token of this server');
      if (await ctx.records.isTokenIdRevoked(presented.claims.jti)) throw invalidGrant('subject_token was revoked');
      parent = await ctx.records.getGrant(presented.claims.grant);
      parentTokenId = presented.claims.jti;
      parentExpiresAt = presented.claims.exp * 1000;
      if (presented.claims.client_id !== caller.client.clientId) throw invalidGrant('subject_token was issued to another client');
    } else {
      if (presented.kind !== 'refresh_token' || presented.record.rotatedAt !== null) throw invalidGrant('subject_token is not a valid refresh token of this server');
      if (presented.record.clientId !== caller.client.clientId) throw invalidGrant('subject_token was issued to another client');
      parent = await ctx.records.getGrant(presented.record.grantId);
      parentExpiresAt = parent?.expiresAt ?? null;
    }
    if (!parent) throw invalidGrant('subject_token has no grant');
    const liveness = await grantLiveness(ctx.records, parent, now);
    if (!liveness.alive) throw invalidGrant(`subject_token is no longer valid: ${liveness.reason}`);

    const scope = narrowRequestedScope(params.optional('scope'), parent.scope, 'A derived token');

    const offline = subjectType === REFRESH_TOKEN_TYPE;
    if (offline && requestedType !== undefined && requestedType !== REFRESH_TOKEN_TYPE) throw invalidRequest('a refresh token derives a refresh token (an offline session)');
    if (!offline && requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) throw invalidRequest('an access token derives an access token');
    if (offline && actor.clientId === caller.client.clientId) throw invalidRequest('a derived offline session is for another, registered worker client: name it with actor_token');
    if (offline && !actor.grantTypes.includes('refresh_token')) throw invalidRequest('the worker client is not registered for refresh_token');

    const grant: GrantRecord = {
      id: randomUUID(), kind: 'derived', clientId: actor.clientId, userId: parent.userId, fhirUser: parent.fhirUser,
      patientId: parent.patientId, encounterId: parent.encounterId, scope, offline, createdAt: now, lastUsedAt: now,
      idleExpiresAt: offline ? now + ctx.offlineDays * 86_400_000 : null,
      expiresAt: parentExpiresAt, parentGrantId: parent.id, parentTokenId, consentId: parent.consentId, revokedAt: null, revokedReason: null,
    };
    await ctx.records.insertGrant(grant);
    ctx.log.info({ grantId: grant.id, parentGrantId: parent.id, actor: actor.clientId, offline }, 'derived grant issued (token exchange)');

    if (offline) {
      const refreshToken = randomToken();
      await ctx.records.insertRefreshToken({ tokenHash: digest(refreshToken), grantId: grant.id, clientId: actor.clientId, createdAt: now, rotatedAt: null });
      // RFC 8693 §2.2.1: the issued token travels in `access_token` whatever its type; N_A since it is not an access token.
      return { access_token: refreshToken, issued_token_type: REFRESH_TOKEN_TYPE, token_type: 'N_A' as 'Bearer', expires_in: ctx.offlineDays * 86_400, scope };
    }
    const lifetime = Math.max(1, Math.min(ACCESS_TOKEN_SECONDS, Math.floor((parentExpiresAt! - now) / 1000)));
    const response = await accessTokenResponse(ctx, grant, scope, lifetime, actor.clientId);
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
  };
}

/** RFC 8693 §2.1 `actor_token`: the holder-to-be proves itself with its own client assertion. Without one, the caller holds it. */
async function actorOf(ctx: AuthContext, jwks: ClientJwks, caller: ClientRecord, params: FormParams): Promise<ClientRecord> {
  const actorToken = params.optional('actor_token');
  const actorType = params.optional('actor_token_type');
  if (actorToken === undefined) {
    if (actorType !== undefined) throw invalidRequest('actor_token_type without actor_token');
    return caller;
  }
  if (actorType !== JWT_TYPE) throw invalidRequest(`actor_token_type must be ${JWT_TYPE} (the actor's client assertion)`);
  try {
    return await verifyClientAssertion(ctx, jwks, actorToken, undefined);
  } catch (error) {
    if (error instanceof OAuthError) throw invalidRequest(`actor_token refused: ${error.message}`);
    throw error;
  }
}
