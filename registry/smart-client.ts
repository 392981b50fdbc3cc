import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** SMART App Launch 2.2 §"SMART configuration": the members the registry uses. */
export interface SmartConfiguration {
  issuer?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  patient?: string;
  id_token?: string;
}

/** An OAuth error answer (RFC 6749 §5.2), kept with its HTTP status: 400 invalid_grant means the grant is gone. */
export class OAuthFailure extends Error {
  constructor(readonly status: number, readonly error: string, description: string | undefined) {
    super(`${error}${description ? `: ${description}` : ''} (HTTP ${status})`);
  }
}

export async function discover(fhirBase: string): Promise<SmartConfiguration> {
  const response = await fetch(`${fhirBase}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`SMART discovery at ${fhirBase} answered HTTP ${response.status}`);
  const config = (await response.json()) as SmartConfiguration;
  if (!config.authorization_endpoint || !config.token_endpoint) throw new Error('SMART discovery lacks the authorization or token endpoint');
  return config;
}

/**
 * RFC 7591 dynamic registration as a confidential client (client_secret_basic): the registry is a
 * server-side app that keeps a refresh token, so it authenticates at the token endpoint.
 */
export async function registerClient(config: SmartConfiguration, metadata: { name: string; redirectUri: string; launchUri: string; scope: string }): Promise<ClientCredentials> {
  if (!config.registration_endpoint) throw new Error('the server offers no registration endpoint; register the registry with the operator');
  const response = await fetch(config.registration_endpoint, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: metadata.name, redirect_uris: [metadata.redirectUri], initiate_login_uri: metadata.launchUri, scope: metadata.scope,
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  const body = (await response.json()) as { client_id?: string; client_secret?: string; error?: string; error_description?: string };
  if (!response.ok || !body.client_id || !body.client_secret) throw new OAuthFailure(response.status, body.error ?? 'registration_failed', body.error_description);
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

/** PKCE (RFC 7636, S256) and the values an authorization request needs. */
export function newAuthorization(): { state: string; verifier: string; challenge: string; nonce: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { state: randomBytes(24).toString('base64url'), verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), nonce: randomBytes(16).toString('base64url') };
}

export function authorizeUrl(config: SmartConfiguration, request: { clientId: string; redirectUri: string; scope: string; state: string; challenge: string; nonce: string; aud: string; launch: string }): string {
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: request.clientId, redirect_uri: request.redirectUri, scope: request.scope, state: request.state,
    nonce: request.nonce, aud: request.aud, launch: request.launch, code_challenge: request.challenge, code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

export async function tokenRequest(config: SmartConfiguration, client: ClientCredentials, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(config.token_endpoint, {
    method: 'POST', headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json().catch(() => ({}))) as TokenResponse & { error?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new OAuthFailure(response.status, body.error ?? 'token_request_failed', body.error_description);
  return body;
}

/**
 * RFC 7662 token introspection of one of the registry's own tokens (the client authenticates; a
 * client may introspect its own tokens). `active: false` means revoked, expired or unknown — the
 * answer deliberately says nothing more (§2.2).
 */
export async function introspect(config: SmartConfiguration, client: ClientCredentials, token: string): Promise<{ active: boolean } & Record<string, unknown>> {
  if (!config.introspection_endpoint) throw new Error('the server offers no introspection endpoint');
  const response = await fetch(config.introspection_endpoint, {
    method: 'POST', headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ token }),
  });
  const body = (await response.json().catch(() => ({}))) as { active?: unknown; error?: string; error_description?: string };
  if (!response.ok || typeof body.active !== 'boolean') throw new OAuthFailure(response.status, body.error ?? 'introspection_failed', body.error_description);
  return body as { active: boolean };
}

/** RFC 7009: the registry gives up its refresh token (and so the grant) when it stops on its own. */
export async function revokeToken(config: SmartConfiguration, client: ClientCredentials, token: string): Promise<void> {
  if (!config.revocation_endpoint) return;
  const response = await fetch(config.revocation_endpoint, {
    method: 'POST', headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }),
  });
  if (!response.ok) throw new OAuthFailure(response.status, 'revocation_failed', `the revocation endpoint answered HTTP ${response.status}`);
}

/** RFC 6749 §2.3.1: client_id and secret form-urlencoded before Basic. */
function basicAuth(client: ClientCredentials): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
}

/** OpenID Connect: the id token's signature, issuer, audience and nonce; returns `fhirUser`. */
export async function verifiedFhirUser(config: SmartConfiguration, clientId: string, idToken: string, nonce: string): Promise<string | undefined> {
  if (!config.jwks_uri) return undefined;
  const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(config.jwks_uri)), { audience: clientId, ...(config.issuer ? { issuer: config.issuer } : {}) });
  if (payload.nonce !== nonce) throw new Error('the id token answers another request (nonce)');
  return typeof payload.fhirUser === 'string' ? payload.fhirUser : undefined;
}
