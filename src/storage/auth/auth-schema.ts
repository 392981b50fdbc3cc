/**
 * The authorization server's tables (migration 2 on both engines). Times are epoch ms; flags are
 * 0/1 integers on both engines so the shared SQL in auth-sql.ts reads the same rows.
 */
export function authSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const flag = engine === 'sqlite' ? 'INTEGER' : 'SMALLINT';
  return `
    CREATE TABLE auth_clients (
      client_id TEXT PRIMARY KEY,
      client_name TEXT NOT NULL,
      kind TEXT NOT NULL,
      secret_hash TEXT,
      redirect_uris TEXT NOT NULL,
      launch_url TEXT,
      scope TEXT NOT NULL,
      grant_types TEXT NOT NULL,
      jwks TEXT,
      jwks_uri TEXT,
      allowed_origins TEXT NOT NULL,
      may_introspect ${flag} NOT NULL DEFAULT 0,
      registered_by TEXT NOT NULL,
      created_at ${time} NOT NULL
    );

    CREATE TABLE auth_users (
      user_id TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      fhir_user TEXT NOT NULL,
      display_name TEXT NOT NULL,
      created_at ${time} NOT NULL
    );

    CREATE TABLE auth_signing_keys (
      kid TEXT PRIMARY KEY,
      alg TEXT NOT NULL,
      private_jwk TEXT NOT NULL,
      public_jwk TEXT NOT NULL,
      created_at ${time} NOT NULL,
      retired_at ${time},
      expires_at ${time}
    );

    CREATE TABLE grants (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      client_id TEXT NOT NULL,
      user_id TEXT,
      fhir_user TEXT,
      patient_id TEXT,
      encounter_id TEXT,
      scope TEXT NOT NULL,
      offline ${flag} NOT NULL,
      created_at ${time} NOT NULL,
      last_used_at ${time} NOT NULL,
      idle_expires_at ${time},
      expires_at ${time},
      parent_grant_id TEXT,
      parent_token_id TEXT,
      consent_id TEXT,
      revoked_at ${time},
      revoked_reason TEXT
    );
    CREATE INDEX grants_user ON grants (user_id);
    CREATE INDEX grants_parent ON grants (parent_grant_id);
    CREATE INDEX grants_parent_token ON grants (parent_token_id);

    CREATE TABLE auth_codes (
      code_hash TEXT PRIMARY KEY,
      grant_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      redirect_uri TEXT NOT NULL,
      code_challenge TEXT NOT NULL,
      nonce TEXT,
      expires_at ${time} NOT NULL,
      used_at ${time}
    );
    CREATE INDEX auth_codes_expires ON auth_codes (expires_at);

    CREATE TABLE refresh_tokens (
      token_hash TEXT PRIMARY KEY,
      grant_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      created_at ${time} NOT NULL,
      rotated_at ${time}
    );
    CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);

    CREATE TABLE revoked_token_ids (
      jti TEXT PRIMARY KEY,
      grant_id TEXT NOT NULL,
      expires_at ${time} NOT NULL
    );
    CREATE INDEX revoked_token_ids_expires ON revoked_token_ids (expires_at);

    CREATE TABLE auth_launches (
      launch_hash TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      patient_id TEXT,
      encounter_id TEXT,
      expires_at ${time} NOT NULL,
      used_at ${time}
    );
    CREATE INDEX auth_launches_expires ON auth_launches (expires_at);

    CREATE TABLE assertion_ids (
      client_id TEXT NOT NULL,
      jti TEXT NOT NULL,
      expires_at ${time} NOT NULL,
      PRIMARY KEY (client_id, jti)
    );
    CREATE INDEX assertion_ids_expires ON assertion_ids (expires_at);

    CREATE TABLE auth_sessions (
      session_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      created_at ${time} NOT NULL,
      expires_at ${time} NOT NULL
    );
    CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

    CREATE TABLE pending_authorizations (
      id TEXT PRIMARY KEY,
      request TEXT NOT NULL,
      expires_at ${time} NOT NULL
    );
    CREATE INDEX pending_authorizations_expires ON pending_authorizations (expires_at);
  `;
}
