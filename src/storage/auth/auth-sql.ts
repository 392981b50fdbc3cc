import { sql } from '../sql/sql-fragment.js';
import type { Row } from '../sql/sql-executor.js';
import type {
  AuthRecords, ClientRecord, CodeRecord, Consumed, GrantRecord, LaunchRecord, PendingAuthorizationRecord,
  RefreshTokenRecord, SessionRecord, SigningKeyRecord, UserRecord,
} from './auth-records.js';
import type { RecordDb } from './record-db.js';

/**
 * How many revocations (grants, token ids, review policies) this process knows of: the token
 * caches compare it (`AuthRecords.revocationEpoch`). Bumped by this process's own revocations and,
 * on PostgreSQL, by other processes' (a NOTIFY), so a revocation anywhere ends cached trust at once.
 */
export class RevocationEpoch {
  value = 0;
  bump(): void {
    this.value++;
  }
}

/**
 * The auth records in plain SQL that both engines run unchanged (placeholders aside). `announce`
 * tells other processes of a committed revocation (PostgreSQL NOTIFY); it may fail — their caches
 * then expire on their own (`--token-check-cache-ms`), as before announcing existed.
 */
export function authRecords(db: RecordDb, epoch = new RevocationEpoch(), announce?: () => Promise<void>): AuthRecords {
  const one = async (statement: ReturnType<typeof sql>) => (await db.read.query(statement))[0];
  const write = (statement: ReturnType<typeof sql>) => db.once(statement);
  const revoked = async () => {
    epoch.bump();
    await announce?.().catch(() => undefined);
  };

  return {
    insertClient: async (c) => {
      await write(sql`INSERT INTO auth_clients (client_id, client_name, kind, secret_hash, redirect_uris, launch_url, scope,
        grant_types, jwks, jwks_uri, allowed_origins, may_introspect, registered_by, created_at, review)
        VALUES (${c.clientId}, ${c.clientName}, ${c.kind}, ${c.secretHash}, ${JSON.stringify(c.redirectUris)}, ${c.launchUrl},
        ${c.scope}, ${JSON.stringify(c.grantTypes)}, ${c.jwks}, ${c.jwksUri}, ${JSON.stringify(c.allowedOrigins)},
        ${c.mayIntrospect ? 1 : 0}, ${c.registeredBy}, ${c.createdAt}, ${c.review})`);
    },
    getClient: async (clientId) => mapOptional(await one(sql`SELECT * FROM auth_clients WHERE client_id = ${clientId}`), clientOf),
    listClients: async () => (await db.read.query(sql`SELECT * FROM auth_clients ORDER BY created_at, client_id`)).map(clientOf),
    setClientReview: async (clientId, review) => {
      const changed = (await write(sql`UPDATE auth_clients SET review = ${review} WHERE client_id = ${clientId} RETURNING client_id`)).length > 0;
      if (changed) await revoked();
      return changed;
    },

    insertUser: async (u) => {
      await write(sql`INSERT INTO auth_users (user_id, username, password_hash, fhir_user, display_name, created_at)
        VALUES (${u.userId}, ${u.username}, ${u.passwordHash}, ${u.fhirUser}, ${u.displayName}, ${u.createdAt})`);
    },
    getUser: async (userId) => mapOptional(await one(sql`SELECT * FROM auth_users WHERE user_id = ${userId}`), userOf),
    getUserByUsername: async (username) => mapOptional(await one(sql`SELECT * FROM auth_users WHERE username = ${username}`), userOf),

    listSigningKeys: async () => (await db.read.query(sql`SELECT * FROM auth_signing_keys ORDER BY created_at, kid`)).map(signingKeyOf),
    insertSigningKey: async (k) => {
      await write(sql`INSERT INTO auth_signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at, expires_at)
        VALUES (${k.kid}, ${k.alg}, ${k.privateJwk}, ${k.publicJwk}, ${k.createdAt}, ${k.retiredAt}, ${k.expiresAt})`);
    },
    retireSigningKey: async (kid, retiredAt, expiresAt) => {
      await write(sql`UPDATE auth_signing_keys SET retired_at = ${retiredAt}, expires_at = ${expiresAt} WHERE kid = ${kid} AND retired_at IS NULL`);
    },

    insertGrant: async (g) => {
      await write(sql`INSERT INTO grants (id, kind, client_id, user_id, fhir_user, patient_id, encounter_id, scope, offline,
        created_at, last_used_at, idle_expires_at, expires_at, parent_grant_id, parent_token_id, consent_id, revoked_at, revoked_reason)
        VALUES (${g.id}, ${g.kind}, ${g.clientId}, ${g.userId}, ${g.fhirUser}, ${g.patientId}, ${g.encounterId}, ${g.scope},
        ${g.offline ? 1 : 0}, ${g.createdAt}, ${g.lastUsedAt}, ${g.idleExpiresAt}, ${g.expiresAt}, ${g.parentGrantId},
        ${g.parentTokenId}, ${g.consentId}, ${g.revokedAt}, ${g.revokedReason})`);
    },
    getGrant: async (id) => mapOptional(await one(sql`SELECT * FROM grants WHERE id = ${id}`), grantOf),
    touchGrant: async (id, lastUsedAt, idleExpiresAt) => {
      await write(sql`UPDATE grants SET last_used_at = ${lastUsedAt}, idle_expires_at = ${idleExpiresAt} WHERE id = ${id} AND revoked_at IS NULL`);
    },
    revokeGrant: async (id, at, reason) => {
      const revokedNow = (await write(sql`UPDATE grants SET revoked_at = ${at}, revoked_reason = ${reason} WHERE id = ${id} AND revoked_at IS NULL RETURNING id`)).length > 0;
      await revoked();
      return revokedNow;
    },
    grantsDerivedFromToken: async (tokenId) => (await db.read.query(sql`SELECT * FROM grants WHERE parent_token_id = ${tokenId}`)).map(grantOf),
    grantsOfUser: async (userId) => (await db.read.query(sql`SELECT * FROM grants WHERE user_id = ${userId} ORDER BY created_at DESC`)).map(grantOf),

    insertCode: async (c) => {
      await write(sql`INSERT INTO auth_codes (code_hash, grant_id, client_id, redirect_uri, code_challenge, nonce, expires_at, used_at)
        VALUES (${c.codeHash}, ${c.grantId}, ${c.clientId}, ${c.redirectUri}, ${c.codeChallenge}, ${c.nonce}, ${c.expiresAt}, ${c.usedAt})`);
    },
    consumeCode: (codeHash, at) => consume(db, sql`UPDATE auth_codes SET used_at = ${at} WHERE code_hash = ${codeHash} AND used_at IS NULL RETURNING *`,
      sql`SELECT * FROM auth_codes WHERE code_hash = ${codeHash}`, codeOf),

    insertRefreshToken: async (r) => {
      await write(sql`INSERT INTO refresh_tokens (token_hash, grant_id, client_id, created_at, rotated_at)
        VALUES (${r.tokenHash}, ${r.grantId}, ${r.clientId}, ${r.createdAt}, ${r.rotatedAt})`);
    },
    getRefreshToken: async (tokenHash) => mapOptional(await one(sql`SELECT * FROM refresh_tokens WHERE token_hash = ${tokenHash}`), refreshTokenOf),
    rotateRefreshToken: async (tokenHash, at) =>
      (await write(sql`UPDATE refresh_tokens SET rotated_at = ${at} WHERE token_hash = ${tokenHash} AND rotated_at IS NULL RETURNING token_hash`)).length > 0,

    revokeTokenId: async (jti, grantId, expiresAt) => {
      await write(sql`INSERT INTO revoked_token_ids (jti, grant_id, expires_at) VALUES (${jti}, ${grantId}, ${expiresAt}) ON CONFLICT (jti) DO NOTHING`);
      await revoked();
    },
    isTokenIdRevoked: async (jti) => (await one(sql`SELECT 1 AS revoked FROM revoked_token_ids WHERE jti = ${jti}`)) !== undefined,
    tokenStanding: async (grantId, jti) => {
      const row = await one(sql`SELECT g.*, (SELECT 1 FROM revoked_token_ids r WHERE r.jti = ${jti}) AS token_revoked FROM grants g WHERE g.id = ${grantId}`);
      if (row) return { grant: grantOf(row), tokenRevoked: row['token_revoked'] !== null && row['token_revoked'] !== undefined };
      return { grant: undefined, tokenRevoked: await one(sql`SELECT 1 AS revoked FROM revoked_token_ids WHERE jti = ${jti}`) !== undefined };
    },
    revocationEpoch: () => epoch.value,

    insertLaunch: async (l) => {
      await write(sql`INSERT INTO auth_launches (launch_hash, client_id, user_id, patient_id, encounter_id, expires_at, used_at)
        VALUES (${l.launchHash}, ${l.clientId}, ${l.userId}, ${l.patientId}, ${l.encounterId}, ${l.expiresAt}, ${l.usedAt})`);
    },
    consumeLaunch: (launchHash, at) => consume(db, sql`UPDATE auth_launches SET used_at = ${at} WHERE launch_hash = ${launchHash} AND used_at IS NULL RETURNING *`,
      sql`SELECT * FROM auth_launches WHERE launch_hash = ${launchHash}`, launchOf),

    recordAssertionId: async (clientId, jti, expiresAt) =>
      (await write(sql`INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES (${clientId}, ${jti}, ${expiresAt})
        ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti`)).length > 0,

    insertSession: async (s) => {
      await write(sql`INSERT INTO auth_sessions (session_hash, user_id, created_at, expires_at) VALUES (${s.sessionHash}, ${s.userId}, ${s.createdAt}, ${s.expiresAt})`);
    },
    getSession: async (sessionHash) => mapOptional(await one(sql`SELECT * FROM auth_sessions WHERE session_hash = ${sessionHash}`), sessionOf),
    deleteSession: async (sessionHash) => {
      await write(sql`DELETE FROM auth_sessions WHERE session_hash = ${sessionHash}`);
    },

    insertPendingAuthorization: async (p) => {
      await write(sql`INSERT INTO pending_authorizations (id, request, expires_at) VALUES (${p.id}, ${p.request}, ${p.expiresAt})`);
    },
    getPendingAuthorization: async (id) => mapOptional(await one(sql`SELECT * FROM pending_authorizations WHERE id = ${id}`), pendingOf),
    deletePendingAuthorization: async (id) => {
      await write(sql`DELETE FROM pending_authorizations WHERE id = ${id}`);
    },

    pruneExpired: (now) => db.atomically(async (tx) => {
      let removed = 0;
      for (const table of ['auth_codes', 'auth_launches', 'auth_sessions', 'pending_authorizations', 'revoked_token_ids', 'assertion_ids']) {
        // Table names come from the list above, never from input.
        const rows = await tx.query({ text: `DELETE FROM ${table} WHERE expires_at < ? RETURNING 1 AS gone`, params: [now] });
        removed += rows.length;
      }
      return removed;
    }),
  };
}

/**
 * A single-use value: the UPDATE … WHERE used_at IS NULL takes it atomically; if it took nothing,
 * the SELECT tells a replay (the record exists, already used) from an unknown value.
 */
async function consume<T>(db: RecordDb, take: ReturnType<typeof sql>, look: ReturnType<typeof sql>, map: (row: Row) => T): Promise<Consumed<T>> {
  return db.atomically(async (tx) => {
    const taken = (await tx.query(take))[0];
    if (taken) return { record: map(taken), firstUse: true as const };
    const seen = (await tx.query(look))[0];
    return seen ? { record: map(seen), firstUse: false as const } : undefined;
  });
}

function mapOptional<T>(row: Row | undefined, map: (row: Row) => T): T | undefined {
  return row === undefined ? undefined : map(row);
}

const text = (v: unknown): string => String(v);
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** PostgreSQL returns BIGINT as a string. */
const time = (v: unknown): number => Number(v);
const timeOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const jsonList = (v: unknown): string[] => JSON.parse(String(v)) as string[];

function clientOf(r: Row): ClientRecord {
  return {
    clientId: text(r.client_id), clientName: text(r.client_name), kind: text(r.kind) as ClientRecord['kind'],
    secretHash: textOrNull(r.secret_hash), redirectUris: jsonList(r.redirect_uris), launchUrl: textOrNull(r.launch_url),
    scope: text(r.scope), grantTypes: jsonList(r.grant_types), jwks: textOrNull(r.jwks), jwksUri: textOrNull(r.jwks_uri),
    allowedOrigins: jsonList(r.allowed_origins), mayIntrospect: Number(r.may_introspect) === 1,
    registeredBy: text(r.registered_by), createdAt: time(r.created_at), review: text(r.review) === 'required' ? 'required' : 'none',
  };
}

function userOf(r: Row): UserRecord {
  return {
    userId: text(r.user_id), username: text(r.username), passwordHash: text(r.password_hash), fhirUser: text(r.fhir_user),
    displayName: text(r.display_name), createdAt: time(r.created_at),
  };
}

function signingKeyOf(r: Row): SigningKeyRecord {
  return {
    kid: text(r.kid), alg: text(r.alg), privateJwk: text(r.private_jwk), publicJwk: text(r.public_jwk),
    createdAt: time(r.created_at), retiredAt: timeOrNull(r.retired_at), expiresAt: timeOrNull(r.expires_at),
  };
}

function grantOf(r: Row): GrantRecord {
  return {
    id: text(r.id), kind: text(r.kind) as GrantRecord['kind'], clientId: text(r.client_id), userId: textOrNull(r.user_id),
    fhirUser: textOrNull(r.fhir_user), patientId: textOrNull(r.patient_id), encounterId: textOrNull(r.encounter_id),
    scope: text(r.scope), offline: Number(r.offline) === 1, createdAt: time(r.created_at), lastUsedAt: time(r.last_used_at),
    idleExpiresAt: timeOrNull(r.idle_expires_at), expiresAt: timeOrNull(r.expires_at), parentGrantId: textOrNull(r.parent_grant_id),
    parentTokenId: textOrNull(r.parent_token_id), consentId: textOrNull(r.consent_id), revokedAt: timeOrNull(r.revoked_at),
    revokedReason: textOrNull(r.revoked_reason),
  };
}

function codeOf(r: Row): CodeRecord {
  return {
    codeHash: text(r.code_hash), grantId: text(r.grant_id), clientId: text(r.client_id), redirectUri: text(r.redirect_uri),
    codeChallenge: text(r.code_challenge), nonce: textOrNull(r.nonce), expiresAt: time(r.expires_at), usedAt: timeOrNull(r.used_at),
  };
}

function refreshTokenOf(r: Row): RefreshTokenRecord {
  return { tokenHash: text(r.token_hash), grantId: text(r.grant_id), clientId: text(r.client_id), createdAt: time(r.created_at), rotatedAt: timeOrNull(r.rotated_at) };
}

function launchOf(r: Row): LaunchRecord {
  return {
    launchHash: text(r.launch_hash), clientId: text(r.client_id), userId: text(r.user_id), patientId: textOrNull(r.patient_id),
    encounterId: textOrNull(r.encounter_id), expiresAt: time(r.expires_at), usedAt: timeOrNull(r.used_at),
  };
}

function sessionOf(r: Row): SessionRecord {
  return { sessionHash: text(r.session_hash), userId: text(r.user_id), createdAt: time(r.created_at), expiresAt: time(r.expires_at) };
}

function pendingOf(r: Row): PendingAuthorizationRecord {
  return { id: text(r.id), request: text(r.request), expiresAt: time(r.expires_at) };
}
