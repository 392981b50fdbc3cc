import { randomUUID } from 'node:crypto';
import { formatScopes, intersectScopes, parseScopes } from '../../model/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import type { AuthenticatedClient } from './client-authentication.js';
import { BACKEND_TOKEN_SECONDS } from './discovery.js';
import type { FormParams } from './form-params.js';
import { accessTokenResponse, type TokenResponse } from './issue-tokens.js';
import { invalidScope, unauthorizedClient } from './oauth-error.js';

/**
 * SMART Backend Services: `client_credentials` with `private_key_jwt` only; `system/` scopes
 * within what the operator pre-authorized (the registration's scope); a token of at most five
 * minutes and no refresh token. Each token gets its own short grant, so revoking it or
 * introspecting it works like any other.
 */
export async function clientCredentialsGrant(ctx: AuthContext, caller: AuthenticatedClient, params: FormParams): Promise<TokenResponse> {
  const { client } = caller;
  if (caller.method !== 'private_key_jwt') throw unauthorizedClient('client_credentials needs private_key_jwt client authentication');
  if (!client.grantTypes.includes('client_credentials')) throw unauthorizedClient('This client is not registered for client_credentials');
  const requested = parseScopes(params.required('scope'));
  if (requested.invalid.length > 0) throw invalidScope(`Invalid scope "${requested.invalid[0]!.text}": ${requested.invalid[0]!.problem}`);
  const notSystem = requested.scopes.find((s) => s.kind !== 'resource' || s.level !== 'system');
  if (notSystem) throw invalidScope('Backend services may only ask for system/ scopes');
  const granted = intersectScopes(requested.scopes, parseScopes(client.scope).scopes);
  if (granted.length === 0) throw invalidScope('None of the requested scopes is pre-authorized for this client');

  const now = nowMs(ctx);
  const grant = {
    id: randomUUID(), kind: 'backend' as const, clientId: client.clientId, userId: null, fhirUser: null, patientId: null,
    encounterId: null, scope: formatScopes(granted, 'requested'), offline: false, createdAt: now, lastUsedAt: now,
    idleExpiresAt: null, expiresAt: now + BACKEND_TOKEN_SECONDS * 1000, parentGrantId: null, parentTokenId: null,
    consentId: null, revokedAt: null, revokedReason: null,
  };
  await ctx.records.insertGrant(grant);
  return accessTokenResponse(ctx, grant, grant.scope, BACKEND_TOKEN_SECONDS);
}
