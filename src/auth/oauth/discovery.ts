import { authUrls, type AuthContext } from '../auth-context.js';

/** Token lifetimes, in seconds: here so discovery, the token endpoint and the docs agree. */
export const ACCESS_TOKEN_SECONDS = 3600;
export const BACKEND_TOKEN_SECONDS = 300;
export const CODE_SECONDS = 60;

/** What both discovery documents say alike (RFC 8414 metadata): the endpoints and the methods. */
function serverMetadata(ctx: AuthContext) {
  const urls = authUrls(ctx);
  return {
    issuer: urls.issuer,
    jwks_uri: urls.jwks,
    authorization_endpoint: urls.authorize,
    token_endpoint: urls.token,
    registration_endpoint: urls.register,
    introspection_endpoint: urls.introspect,
    revocation_endpoint: urls.revoke,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * SMART App Launch 2.2 §"Conformance" (`.well-known/smart-configuration`): every capability
 * listed here is one the server really has — the tests read this document and exercise each.
 */
export function smartConfiguration(ctx: AuthContext) {
  return {
    ...serverMetadata(ctx),
    management_endpoint: authUrls(ctx).manage,
    scopes_supported: [
      'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access',
      'patient/*.cruds', 'user/*.cruds', 'system/*.cruds', 'patient/*.read', 'patient/*.write', 'user/*.read', 'user/*.write',
      'system/*.read', 'system/*.write',
    ],
    capabilities: [
      'launch-ehr', 'launch-standalone', 'authorize-post', 'client-public', 'client-confidential-symmetric',
      'client-confidential-asymmetric', 'sso-openid-connect', 'context-banner', 'context-style', 'context-ehr-patient',
      'context-ehr-encounter', 'context-standalone-patient', 'context-standalone-encounter', 'permission-offline',
      'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
    ],
  };
}

/** OpenID Connect Discovery 1.0 §3, for `sso-openid-connect`. */
export function openidConfiguration(ctx: AuthContext) {
  return {
    ...serverMetadata(ctx),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'offline_access'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser', 'name'],
  };
}
