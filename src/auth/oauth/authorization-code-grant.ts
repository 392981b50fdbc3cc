import { randomUUID } from 'node:crypto';
import { consentPatientOf, grantLiveness } from '../../access/index.js';
import { parseScopes, formatScopes, type ParsedScope } from '../../model/index.js';
import type { GrantRecord, UserRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { digest, pkceMatches, randomToken } from '../secrets.js';
import type { AuthorizationRequest } from './authorize-request.js';
import type { AuthenticatedClient } from './client-authentication.js';
import { ACCESS_TOKEN_SECONDS, CODE_SECONDS } from './discovery.js';
import type { FormParams } from './form-params.js';
import { idToken } from './id-token.js';
import { accessTokenResponse, type TokenResponse } from './issue-tokens.js';
import { invalidGrant, unauthorizedClient } from './oauth-error.js';
import { narrowRequestedScope } from './narrow-requested-scope.js';
import { authUrls } from '../auth-context.js';

export interface Approval {
  user: UserRecord;
  /** What the user granted (a subset of the request, possibly cut to categories). */
  scopes: ParsedScope[];
  patientId: string | null;
  encounterId: string | null;
}

/**
 * The user approved: the grant is created now (ADR 0003), and a single-use code that lives
 * CODE_SECONDS points at it. Returns the redirect back to the app.
 */
export async function approveAuthorization(ctx: AuthContext, request: AuthorizationRequest, approval: Approval): Promise<string> {
  const now = nowMs(ctx);
  const offline = approval.scopes.some((s) => s.kind === 'offline_access');
  const grant: GrantRecord = {
    id: randomUUID(), kind: 'user', clientId: request.clientId, userId: approval.user.userId, fhirUser: approval.user.fhirUser,
    patientId: approval.patientId, encounterId: approval.encounterId, scope: formatScopes(approval.scopes, 'requested'), offline,
    createdAt: now, lastUsedAt: now,
    // An online grant lives as long as its access token; an offline one slides with use.
    idleExpiresAt: offline ? now + ctx.offlineDays * 86_400_000 : now + (CODE_SECONDS + ACCESS_TOKEN_SECONDS) * 1000,
    expiresAt: offline && ctx.offlineMaxDays > 0 ? now + ctx.offlineMaxDays * 86_400_000 : null,
    parentGrantId: null, parentTokenId: null, consentId: null, revokedAt: null, revokedReason: null,
  };
  // Issue 5: a standing authorization is backed by a Consent, named before the grant is stored.
  if (consentPatientOf(grant) !== undefined) grant.consentId = randomUUID();
  await ctx.records.insertGrant(grant);
  if (grant.consentId !== null) {
    try {
      await ctx.consent.backGrant(grant, { fhirUser: approval.user.fhirUser, displayName: approval.user.displayName }, request.launch ? 'ehr-launch' : 'standalone-launch');
    } catch (error) {
      // No standing authorization without its Consent: the approval fails as a whole.
      await ctx.records.revokeGrant(grant.id, now, 'its Consent could not be recorded');
      throw error;
    }
  }
  const code = randomToken();
  await ctx.records.insertCode({
    codeHash: digest(code), grantId: grant.id, clientId: request.clientId, redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge, nonce: request.nonce ?? null, expiresAt: now + CODE_SECONDS * 1000, usedAt: null,
  });
  ctx.log.info({ grantId: grant.id, clientId: grant.clientId, userId: grant.userId, offline }, 'authorization approved');
  const url = new URL(request.redirectUri);
  url.searchParams.set('code', code);
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  url.searchParams.set('iss', ctx.fhirBase);
  return url.toString();
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6). A code is single use: presenting it again revokes
 * the grant it created, and with it every token issued from it (§4.1.2, §10.5).
 */
export async function authorizationCodeGrant(ctx: AuthContext, caller: AuthenticatedClient, params: FormParams): Promise<TokenResponse> {
  const { client } = caller;
  if (!client.grantTypes.includes('authorization_code')) throw unauthorizedClient('This client is not registered for authorization_code');
  const code = params.required('code');
  const redirectUri = params.optional('redirect_uri');
  const verifier = params.optional('code_verifier');
  const consumed = await ctx.records.consumeCode(digest(code), nowMs(ctx));
  if (!consumed) throw invalidGrant('Unknown authorization code');
  const record = consumed.record;
  if (!consumed.firstUse) {
    if (await ctx.records.revokeGrant(record.grantId, nowMs(ctx), 'authorization code replayed')) {
      ctx.log.warn({ grantId: record.grantId, clientId: record.clientId }, 'authorization code replayed: grant revoked');
    }
    throw invalidGrant('The authorization code was already used; every token issued from it is revoked');
  }
  if (record.expiresAt < nowMs(ctx)) throw invalidGrant('The authorization code has expired');
  if (record.clientId !== client.clientId) throw invalidGrant('The authorization code was issued to another client');
  if (redirectUri !== record.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
  if (verifier === undefined) throw invalidGrant('code_verifier is required (PKCE)');
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) || !pkceMatches(verifier, record.codeChallenge)) throw invalidGrant('The PKCE code_verifier does not match');

  const grant = await ctx.records.getGrant(record.grantId);
  if (!grant || grant.revokedAt !== null) throw invalidGrant('The authorization was revoked');
  const user = grant.userId ? await ctx.records.getUser(grant.userId) : undefined;
  return userTokenResponse(ctx, grant, user, grant.scope, { refreshToken: grant.offline ? await newRefreshToken(ctx, grant) : undefined, nonce: record.nonce });
}

/** RFC 6749 §6: refresh, narrowing allowed, widening never; public clients rotate. */
export async function refreshTokenGrant(ctx: AuthContext, caller: AuthenticatedClient, params: FormParams): Promise<TokenResponse> {
  const { client } = caller;
  const presented = params.required('refresh_token');
  const record = await ctx.records.getRefreshToken(digest(presented));
  if (!record || record.clientId !== client.clientId) throw invalidGrant('Unknown refresh token');
  const grant = await ctx.records.getGrant(record.grantId);
  const now = nowMs(ctx);
  if (!grant) throw invalidGrant('The authorization was revoked');
  // Liveness includes the parent of a derived grant (ADR 0003): a derived session dies with it.
  const liveness = await grantLiveness(ctx.records, grant, now);
  if (!liveness.alive) throw invalidGrant(`The authorization is no longer valid: ${liveness.reason}`);
  // A client that lost the response to its last refresh may present the old token again within
  // the grace period (off by default): it gets a fresh pair; after that, reuse means theft.
  const withinGrace = record.rotatedAt !== null && now - record.rotatedAt <= ctx.refreshGraceSeconds * 1000;
  if (record.rotatedAt !== null && !withinGrace) {
    await ctx.records.revokeGrant(grant.id, now, 'rotated refresh token reused');
    ctx.log.warn({ grantId: grant.id, clientId: client.clientId }, 'rotated refresh token reused: grant revoked');
    throw invalidGrant('This refresh token was already exchanged; the authorization is revoked');
  }
  const scope = narrowRequestedScope(params.optional('scope'), grant.scope, 'The refresh of this grant');
  let refreshToken: string | undefined;
  if (client.kind === 'public') {
    if (!withinGrace && !(await ctx.records.rotateRefreshToken(record.tokenHash, now))) {
      await ctx.records.revokeGrant(grant.id, now, 'rotated refresh token reused');
      throw invalidGrant('This refresh token was already exchanged; the authorization is revoked');
    }
    refreshToken = await newRefreshToken(ctx, grant);
  }
  await ctx.records.touchGrant(grant.id, now, grant.offline ? now + ctx.offlineDays * 86_400_000 : grant.idleExpiresAt);
  const user = grant.userId ? await ctx.records.getUser(grant.userId) : undefined;
  return userTokenResponse(ctx, grant, user, scope, { refreshToken, nonce: null, idToken: false });
}

async function newRefreshToken(ctx: AuthContext, grant: GrantRecord): Promise<string> {
  const token = randomToken();
  await ctx.records.insertRefreshToken({ tokenHash: digest(token), grantId: grant.id, clientId: grant.clientId, createdAt: nowMs(ctx), rotatedAt: null });
  return token;
}

/** SMART App Launch §"Response": launch context as top-level members, id token, refresh token. */
async function userTokenResponse(ctx: AuthContext, grant: GrantRecord, user: UserRecord | undefined, scope: string,
  extra: { refreshToken: string | undefined; nonce: string | null; idToken?: boolean }): Promise<TokenResponse> {
  const response = await accessTokenResponse(ctx, grant, scope, ACCESS_TOKEN_SECONDS);
  const scopes = parseScopes(scope).scopes;
  const has = (kind: string) => scopes.some((s) => s.kind === kind);
  if (grant.patientId) {
    response.patient = grant.patientId;
    response.need_patient_banner = true;
  }
  if (grant.encounterId) {
    response.encounter = grant.encounterId;
    response.fhirContext = [{ reference: `Encounter/${grant.encounterId}` }];
  }
  response.smart_style_url = authUrls(ctx).style;
  if (has('openid') && user && extra.idToken !== false) {
    response.id_token = await idToken(ctx, grant, user, { fhirUser: has('fhirUser'), profile: has('profile') }, extra.nonce);
  }
  if (extra.refreshToken) response.refresh_token = extra.refreshToken;
  return response;
}
