import type { AuthContext } from '../auth-context.js';
import type { ClientJwks } from '../clients/client-jwks.js';
import { authenticateClient } from './client-authentication.js';
import { authorizationCodeGrant, refreshTokenGrant } from './authorization-code-grant.js';
import { clientCredentialsGrant } from './client-credentials-grant.js';
import { TOKEN_EXCHANGE, tokenExchangeGrant } from './token-exchange-grant.js';
import { FormParams } from './form-params.js';
import { digest } from '../secrets.js';
import type { TokenResponse } from './issue-tokens.js';
import { OAuthError } from './oauth-error.js';

/** A grant type's handler: the client is already authenticated. */
export type GrantHandler = (ctx: AuthContext, client: Awaited<ReturnType<typeof authenticateClient>>, params: FormParams) => Promise<TokenResponse>;

/** RFC 6749 §3.2: POST, form-encoded, client authenticated, then the grant type's own rules. */
export async function tokenRequest(ctx: AuthContext, jwks: ClientJwks, grants: Record<string, GrantHandler>, authorization: string | undefined, body: unknown): Promise<TokenResponse> {
  const params = FormParams.fromBody(body);
  const grantType = params.required('grant_type');
  const handler = grants[grantType];
  const client = (await publicRefreshClient(ctx, grantType, authorization, params)) ?? (await authenticateClient(ctx, jwks, authorization, params));
  if (!handler) throw new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is not supported`);
  return handler(ctx, client, params);
}

/** Every grant type the token endpoint serves (and discovery advertises). */
export function grantHandlers(jwks: ClientJwks): Record<string, GrantHandler> {
  return {
    authorization_code: authorizationCodeGrant,
    refresh_token: refreshTokenGrant,
    client_credentials: clientCredentialsGrant,
    [TOKEN_EXCHANGE]: tokenExchangeGrant(jwks),
  };
}

/**
 * RFC 6749 §6 asks only confidential clients to authenticate on refresh; a public client may send
 * just the refresh token (fhirclient does by default). The token itself then names the client,
 * which must be public — a confidential client's token without its credentials is refused below.
 */
async function publicRefreshClient(ctx: AuthContext, grantType: string, authorization: string | undefined, params: FormParams) {
  if (grantType !== 'refresh_token' || authorization !== undefined || params.has('client_id') || params.has('client_assertion')) return undefined;
  const token = params.optional('refresh_token');
  const record = token === undefined ? undefined : await ctx.records.getRefreshToken(digest(token));
  const client = record ? await ctx.records.getClient(record.clientId) : undefined;
  return client?.kind === 'public' ? { client, method: 'none' as const } : undefined;
}
