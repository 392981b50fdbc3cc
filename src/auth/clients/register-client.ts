import { randomUUID } from 'node:crypto';
import type { Mode } from '../../config/index.js';
import { formatScopes, parseScopes } from '../../model/index.js';
import type { AuthRecords, ClientKind, ClientRecord, ReviewPolicy } from '../../storage/index.js';
import { digest, randomToken } from '../secrets.js';

/** RFC 7591 §2 client metadata, the members we honour (others are ignored, as §2 allows). */
export interface ClientMetadata {
  client_name?: unknown;
  redirect_uris?: unknown;
  grant_types?: unknown;
  response_types?: unknown;
  token_endpoint_auth_method?: unknown;
  jwks?: unknown;
  jwks_uri?: unknown;
  scope?: unknown;
  /** OpenID Connect Registration's third-party-initiated login URL: where an EHR launch goes. */
  initiate_login_uri?: unknown;
  launch_uri?: unknown;
  allowed_origins?: unknown;
  /** Handover's own member (issue 5 c, ADR 0014): `required` holds what the app receives for a clinician's review. Operator only. */
  handover_review?: unknown;
}

export class InvalidClientMetadata extends Error {
  constructor(readonly error: 'invalid_client_metadata' | 'invalid_redirect_uri', message: string) {
    super(message);
  }
}

/** What an app that does not say gets: everything a SMART app may ask for, bounded later by consent. */
export const DEFAULT_APP_SCOPE = 'launch launch/patient launch/encounter openid fhirUser profile offline_access patient/*.cruds user/*.cruds';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];
const AUTH_METHODS: Record<string, ClientKind> = { none: 'public', client_secret_basic: 'confidential-symmetric', private_key_jwt: 'confidential-asymmetric' };

export interface RegistrationPolicy {
  mode: Mode;
  /** `system/` scopes are granted only when the operator registers (CLI or initial access token) — or in sandbox mode. */
  byOperator: boolean;
  registeredBy: string;
  now: number;
  /** Operator only: a resource server that may introspect any token. */
  mayIntrospect?: boolean;
}

const REVIEW_POLICIES: readonly ReviewPolicy[] = ['required', 'none'];

/** The review policy named by `handover_review` (operator only: it is the site's policy, not the app's wish). */
function reviewPolicyOf(value: unknown, policy: RegistrationPolicy): ReviewPolicy {
  if (value === undefined || value === null) return 'none';
  if (typeof value !== 'string' || !REVIEW_POLICIES.includes(value as ReviewPolicy)) {
    throw new InvalidClientMetadata('invalid_client_metadata', 'handover_review must be "required" or "none"');
  }
  if (!policy.byOperator) throw new InvalidClientMetadata('invalid_client_metadata', 'handover_review is set by the operator only');
  return value as ReviewPolicy;
}

export interface RegisteredClient {
  record: ClientRecord;
  /** The client secret in clear, shown once (confidential-symmetric only); only its digest is kept. */
  secret: string | undefined;
}

/** Validates RFC 7591 metadata into a client record (not yet stored). */
export function clientFromMetadata(metadata: ClientMetadata, policy: RegistrationPolicy): RegisteredClient {
  const method = optionalString(metadata.token_endpoint_auth_method, 'token_endpoint_auth_method') ?? 'client_secret_basic';
  const kind = AUTH_METHODS[method];
  if (!kind) throw new InvalidClientMetadata('invalid_client_metadata', `token_endpoint_auth_method must be one of ${Object.keys(AUTH_METHODS).join(', ')}`);
  const grantTypes = stringList(metadata.grant_types, 'grant_types') ?? ['authorization_code'];
  for (const type of grantTypes) if (!GRANT_TYPES.includes(type)) throw new InvalidClientMetadata('invalid_client_metadata', `grant type "${type}" is not supported`);
  if (grantTypes.includes('client_credentials') && kind !== 'confidential-asymmetric') {
    throw new InvalidClientMetadata('invalid_client_metadata', 'client_credentials clients must use private_key_jwt (SMART Backend Services)');
  }
  const responseTypes = stringList(metadata.response_types, 'response_types');
  if (responseTypes && responseTypes.some((t) => t !== 'code')) throw new InvalidClientMetadata('invalid_client_metadata', 'only the "code" response type is supported');

  const redirectUris = stringList(metadata.redirect_uris, 'redirect_uris') ?? [];
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) throw new InvalidClientMetadata('invalid_redirect_uri', 'redirect_uris is required for authorization_code');
  for (const uri of redirectUris) checkRedirectUri(uri, policy.mode);

  const jwks = metadata.jwks;
  const jwksUri = optionalString(metadata.jwks_uri, 'jwks_uri');
  if (jwks !== undefined && jwksUri !== undefined) throw new InvalidClientMetadata('invalid_client_metadata', 'give jwks or jwks_uri, not both (RFC 7591 §2)');
  if (kind === 'confidential-asymmetric' && jwks === undefined && jwksUri === undefined) throw new InvalidClientMetadata('invalid_client_metadata', 'private_key_jwt needs jwks or jwks_uri');
  if (jwks !== undefined) checkJwks(jwks);
  if (jwksUri !== undefined) checkHttpUrl(jwksUri, 'jwks_uri', policy.mode);

  const scopeText = optionalString(metadata.scope, 'scope') ?? (grantTypes.includes('client_credentials') ? undefined : DEFAULT_APP_SCOPE);
  if (scopeText === undefined) throw new InvalidClientMetadata('invalid_client_metadata', 'a backend service must register the scope it needs');
  const scopes = parseScopes(scopeText);
  if (scopes.invalid.length > 0) throw new InvalidClientMetadata('invalid_client_metadata', `invalid scope "${scopes.invalid[0]!.text}": ${scopes.invalid[0]!.problem}`);
  const wantsSystem = scopes.scopes.some((s) => s.kind === 'resource' && s.level === 'system');
  if (wantsSystem && policy.mode === 'production' && !policy.byOperator) {
    throw new InvalidClientMetadata('invalid_client_metadata', 'system/ scopes are granted by the operator only (register with the CLI or an initial access token)');
  }

  const launchUrl = optionalString(metadata.initiate_login_uri, 'initiate_login_uri') ?? optionalString(metadata.launch_uri, 'launch_uri') ?? null;
  if (launchUrl !== null) checkHttpUrl(launchUrl, 'initiate_login_uri', policy.mode);
  const origins = stringList(metadata.allowed_origins, 'allowed_origins') ?? redirectUris.map((u) => new URL(u).origin).filter((o) => o.startsWith('http'));

  const secret = kind === 'confidential-symmetric' ? randomToken() : undefined;
  const record: ClientRecord = {
    clientId: randomUUID(),
    clientName: optionalString(metadata.client_name, 'client_name') ?? 'Unnamed app',
    kind,
    secretHash: secret ? digest(secret) : null,
    redirectUris,
    launchUrl,
    scope: formatScopes(scopes.scopes, 'requested'),
    grantTypes,
    jwks: jwks === undefined ? null : JSON.stringify(jwks),
    jwksUri: jwksUri ?? null,
    allowedOrigins: [...new Set(origins)],
    mayIntrospect: policy.byOperator && policy.mayIntrospect === true,
    registeredBy: policy.registeredBy,
    createdAt: policy.now,
    review: reviewPolicyOf(metadata.handover_review, policy),
  };
  return { record, secret };
}

export async function registerClient(records: AuthRecords, metadata: ClientMetadata, policy: RegistrationPolicy): Promise<RegisteredClient> {
  const registered = clientFromMetadata(metadata, policy);
  await records.insertClient(registered.record);
  return registered;
}

/** RFC 7591 §3.2.1: the registration response — the metadata as registered. */
export function registrationResponse(registered: RegisteredClient) {
  const { record, secret } = registered;
  const method = Object.entries(AUTH_METHODS).find(([, k]) => k === record.kind)![0];
  return {
    client_id: record.clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(record.createdAt / 1000),
    client_name: record.clientName,
    redirect_uris: record.redirectUris,
    grant_types: record.grantTypes,
    response_types: record.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: method,
    scope: record.scope,
    ...(record.jwks ? { jwks: JSON.parse(record.jwks) as unknown } : {}),
    ...(record.jwksUri ? { jwks_uri: record.jwksUri } : {}),
    ...(record.launchUrl ? { initiate_login_uri: record.launchUrl } : {}),
    ...(record.review === 'required' ? { handover_review: record.review } : {}),
  };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) throw new InvalidClientMetadata('invalid_client_metadata', `${name} must be a non-empty string`);
  return value;
}

function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 50 || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 2000)) {
    throw new InvalidClientMetadata('invalid_client_metadata', `${name} must be a list of strings`);
  }
  return [...new Set(value as string[])];
}

/** RFC 6749 §3.1.2: absolute, no fragment; production wants https except loopback (RFC 8252 §7.3). */
function checkRedirectUri(uri: string, mode: Mode): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidClientMetadata('invalid_redirect_uri', `redirect URI "${uri}" is not an absolute URI`);
  }
  if (url.hash) throw new InvalidClientMetadata('invalid_redirect_uri', `redirect URI "${uri}" must not have a fragment`);
  if (url.protocol === 'javascript:' || url.protocol === 'data:') throw new InvalidClientMetadata('invalid_redirect_uri', `redirect URI "${uri}" has a forbidden scheme`);
  if (mode === 'production' && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new InvalidClientMetadata('invalid_redirect_uri', `redirect URI "${uri}" must use https`);
  }
}

function checkHttpUrl(value: string, name: string, mode: Mode): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidClientMetadata('invalid_client_metadata', `${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidClientMetadata('invalid_client_metadata', `${name} must be an http(s) URL`);
  if (mode === 'production' && url.protocol !== 'https:') throw new InvalidClientMetadata('invalid_client_metadata', `${name} must use https`);
}

function checkJwks(jwks: unknown): void {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 20) throw new InvalidClientMetadata('invalid_client_metadata', 'jwks must be a JWK set with 1 to 20 keys');
  for (const key of keys as Record<string, unknown>[]) {
    if (typeof key !== 'object' || key === null || (key.kty !== 'RSA' && key.kty !== 'EC')) throw new InvalidClientMetadata('invalid_client_metadata', 'jwks keys must be RSA or EC keys');
    if ('d' in key) throw new InvalidClientMetadata('invalid_client_metadata', 'jwks must hold public keys only');
  }
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
