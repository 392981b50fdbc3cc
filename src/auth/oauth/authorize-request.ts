import { parseScopes } from '../../model/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { digest } from '../secrets.js';
import type { FormParams } from './form-params.js';
import { OAuthError } from './oauth-error.js';

/** A validated authorization request, kept (as JSON) while the user signs in and decides. */
export interface AuthorizationRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  state: string | undefined;
  /** The requested scope, as sent. */
  scope: string;
  codeChallenge: string;
  nonce: string | undefined;
  /** From an EHR launch: who launched and in what context. */
  launch: { userId: string; patientId: string | null; encounterId: string | null } | undefined;
  /** Chosen on the way (standalone launch pickers). */
  patientId?: string;
  encounterId?: string;
  /** The session that started it: a pending request is usable only by that browser's user. */
  userId?: string;
}

/** Where a failed request is answered: on our own page, or back at a verified redirect URI. */
export type AuthorizeOutcome =
  | { kind: 'valid'; request: AuthorizationRequest }
  | { kind: 'page'; message: string }
  | { kind: 'redirect'; location: string };

/**
 * RFC 6749 §4.1.1 with SMART App Launch 2.2 and RFC 7636. Until the client and its redirect URI
 * are verified, errors are shown on our page — never redirected (§4.1.2.1, no open redirect).
 * After that, errors go back to the app with `state`.
 */
export async function validateAuthorizeRequest(ctx: AuthContext, params: FormParams): Promise<AuthorizeOutcome> {
  let clientId: string | undefined;
  let redirectParam: string | undefined;
  try {
    clientId = params.optional('client_id');
    redirectParam = params.optional('redirect_uri');
  } catch (error) {
    return { kind: 'page', message: (error as Error).message };
  }
  if (!clientId) return { kind: 'page', message: 'The app did not say who it is (client_id is missing).' };
  const client = await ctx.records.getClient(clientId);
  if (!client) return { kind: 'page', message: 'This app is not registered with Handover (unknown client_id).' };
  if (!client.grantTypes.includes('authorization_code')) return { kind: 'page', message: 'This app is not registered for user sign-in.' };
  let redirectUri: string;
  if (redirectParam === undefined) {
    if (client.redirectUris.length !== 1) return { kind: 'page', message: 'The app did not give a redirect_uri, and it has more than one registered.' };
    redirectUri = client.redirectUris[0]!;
  } else if (client.redirectUris.includes(redirectParam)) {
    redirectUri = redirectParam;
  } else {
    return { kind: 'page', message: 'The redirect_uri is not one this app registered, so Handover will not send you there.' };
  }

  let state: string | undefined;
  try {
    state = params.optional('state');
  } catch {
    return { kind: 'page', message: 'The "state" parameter is repeated.' };
  }
  const fail = (error: string, description: string): AuthorizeOutcome => ({ kind: 'redirect', location: errorRedirect(ctx, redirectUri, state, error, description) });
  try {
    const responseType = params.optional('response_type');
    if (responseType === undefined) return fail('invalid_request', 'response_type is required');
    if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
    const aud = params.optional('aud');
    if (aud === undefined) return fail('invalid_request', 'aud is required (SMART App Launch): the FHIR base URL');
    if (aud.replace(/\/+$/, '') !== ctx.fhirBase) return fail('invalid_request', `aud must be this server's FHIR base URL, ${ctx.fhirBase}`);
    const challenge = params.optional('code_challenge');
    const method = params.optional('code_challenge_method');
    if (challenge === undefined) return fail('invalid_request', 'PKCE is required: code_challenge is missing');
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest (43 characters)');
    const scope = params.optional('scope');
    if (scope === undefined) return fail('invalid_scope', 'scope is required');
    const parsed = parseScopes(scope);
    if (parsed.invalid.length > 0) return fail('invalid_scope', `Invalid scope "${parsed.invalid[0]!.text}": ${parsed.invalid[0]!.problem}`);
    if (parsed.scopes.some((s) => s.kind === 'resource' && s.level === 'system')) return fail('invalid_scope', 'system/ scopes are for backend services, not user sign-in');
    const nonce = params.optional('nonce');

    let launch: AuthorizationRequest['launch'];
    const launchValue = params.optional('launch');
    if (launchValue !== undefined) {
      const consumed = await ctx.records.consumeLaunch(digest(launchValue), nowMs(ctx));
      if (!consumed || !consumed.firstUse) return fail('invalid_request', 'The launch value is unknown or was already used');
      const record = consumed.record;
      if (record.expiresAt < nowMs(ctx)) return fail('invalid_request', 'The launch value has expired');
      if (record.clientId !== client.clientId) return fail('invalid_request', 'The launch value was minted for another app');
      launch = { userId: record.userId, patientId: record.patientId, encounterId: record.encounterId };
    } else if (parsed.scopes.some((s) => s.kind === 'launch' && s.context === undefined)) {
      return fail('invalid_request', 'The "launch" scope needs the launch parameter from an EHR launch');
    }
    return {
      kind: 'valid',
      request: { clientId: client.clientId, clientName: client.clientName, redirectUri, state, scope, codeChallenge: challenge, nonce, launch },
    };
  } catch (error) {
    if (error instanceof OAuthError) return fail(error.error, error.message);
    throw error;
  }
}

/** RFC 6749 §4.1.2.1 error redirect, with RFC 9207 `iss` so the app can tell which server answered. */
export function errorRedirect(ctx: AuthContext, redirectUri: string, state: string | undefined, error: string, description: string): string {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('iss', ctx.fhirBase);
  return url.toString();
}
