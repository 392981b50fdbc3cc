/**
 * The authorization server's records (docs/adr/0003-grant-model.md). Storage keeps them and knows
 * nothing of what they mean: hashing, expiry rules and liveness are decided above, in `access` and
 * `auth`. All times are epoch milliseconds. Secrets never arrive here in clear: `*_hash` fields
 * hold SHA-256 digests (codes, tokens, launches, sessions) or a KDF output (passwords, secrets).
 */

import type { ReviewPolicy } from '../review/review-records.js';

export type ClientKind = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

export interface ClientRecord {
  clientId: string;
  clientName: string;
  kind: ClientKind;
  /** scrypt hash of the client secret (confidential-symmetric only). */
  secretHash: string | null;
  redirectUris: string[];
  /** Where an EHR launch sends the browser (`iss` and `launch` appended). */
  launchUrl: string | null;
  /** The most this client may ever be granted (its registration), space-separated. */
  scope: string;
  grantTypes: string[];
  /** Inline JWKS (JSON text) or a JWKS URL, for `private_key_jwt`. */
  jwks: string | null;
  jwksUri: string | null;
  /** Browser origins allowed to call the token and FHIR endpoints (CORS). */
  allowedOrigins: string[];
  /** A resource server that may introspect any token, not only its own. */
  mayIntrospect: boolean;
  /** Who registered it: `cli`, `dynamic`, `sample`. */
  registeredBy: string;
  createdAt: number;
  /** Issue 5 c: `required` holds what this recipient would receive for a clinician's review (ADR 0014). */
  review: ReviewPolicy;
}

export interface UserRecord {
  userId: string;
  username: string;
  passwordHash: string;
  /** `Practitioner/…` or `Patient/…`. */
  fhirUser: string;
  displayName: string;
  createdAt: number;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  /** Set when a newer key took over signing; the key keeps verifying until `expiresAt`. */
  retiredAt: number | null;
  /** After this nothing it signed can still be valid: dropped from the JWKS. */
  expiresAt: number | null;
}

export type GrantKind = 'user' | 'backend' | 'derived';

export interface GrantRecord {
  id: string;
  kind: GrantKind;
  clientId: string;
  userId: string | null;
  fhirUser: string | null;
  patientId: string | null;
  encounterId: string | null;
  scope: string;
  offline: boolean;
  createdAt: number;
  lastUsedAt: number;
  idleExpiresAt: number | null;
  expiresAt: number | null;
  parentGrantId: string | null;
  /** The access token (`jti`) a derived grant was cut from. */
  parentTokenId: string | null;
  consentId: string | null;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface CodeRecord {
  codeHash: string;
  grantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  expiresAt: number;
  usedAt: number | null;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  grantId: string;
  clientId: string;
  createdAt: number;
  /** Set when a newer refresh token replaced it; presenting it again is reuse. */
  rotatedAt: number | null;
}

export interface LaunchRecord {
  launchHash: string;
  clientId: string;
  userId: string;
  patientId: string | null;
  encounterId: string | null;
  expiresAt: number;
  usedAt: number | null;
}

/** A signed-in browser. */
export interface SessionRecord {
  sessionHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** An authorization request between its arrival and the user's decision. */
export interface PendingAuthorizationRecord {
  id: string;
  /** JSON of the validated request. */
  request: string;
  expiresAt: number;
}

/** Whether a one-time value was taken now, or had been taken before (a replay). */
export type Consumed<T> = { record: T; firstUse: true } | { record: T; firstUse: false } | undefined;

export interface TokenStanding {
  grant: GrantRecord | undefined;
  tokenRevoked: boolean;
}

export interface AuthRecords {
  insertClient(client: ClientRecord): Promise<void>;
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<ClientRecord[]>;
  /**
   * The operator sets a recipient's review policy; false when the client is unknown. Counts as a
   * revocation for the caches (`revocationEpoch`): a token's standing read before it is stale.
   */
  setClientReview(clientId: string, review: ReviewPolicy): Promise<boolean>;

  insertUser(user: UserRecord): Promise<void>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  getUserByUsername(username: string): Promise<UserRecord | undefined>;

  listSigningKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  retireSigningKey(kid: string, retiredAt: number, expiresAt: number): Promise<void>;

  insertGrant(grant: GrantRecord): Promise<void>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /** Sliding lifetime: records a use and pushes the idle expiry out. */
  touchGrant(id: string, lastUsedAt: number, idleExpiresAt: number | null): Promise<void>;
  /** Sets `revoked_at` once; a revoked grant stays revoked. True if this call revoked it. */
  revokeGrant(id: string, at: number, reason: string): Promise<boolean>;
  /** Grants derived from an access token (revoking the token revokes them). */
  grantsDerivedFromToken(tokenId: string): Promise<GrantRecord[]>;
  grantsOfUser(userId: string): Promise<GrantRecord[]>;

  insertCode(code: CodeRecord): Promise<void>;
  /** Marks the code used; a second call reports the replay with the record. */
  consumeCode(codeHash: string, at: number): Promise<Consumed<CodeRecord>>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  getRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks it replaced; false if it already was (a concurrent or replayed use). */
  rotateRefreshToken(tokenHash: string, at: number): Promise<boolean>;

  /** Records a revoked access token id until it would have expired anyway. */
  revokeTokenId(jti: string, grantId: string, expiresAt: number): Promise<void>;
  isTokenIdRevoked(jti: string): Promise<boolean>;
  /** What the resource server needs per request, in one round trip: the grant and whether the token id was revoked. */
  tokenStanding(grantId: string, jti: string): Promise<TokenStanding>;
  /**
   * Counts the revocations (grants and token ids) this process has written. A cache of grant
   * liveness compares it, so a revocation made here takes effect on the very next request.
   */
  revocationEpoch(): number;

  insertLaunch(launch: LaunchRecord): Promise<void>;
  consumeLaunch(launchHash: string, at: number): Promise<Consumed<LaunchRecord>>;

  /** False if this client already used the `jti` (a replayed assertion). */
  recordAssertionId(clientId: string, jti: string, expiresAt: number): Promise<boolean>;

  insertSession(session: SessionRecord): Promise<void>;
  getSession(sessionHash: string): Promise<SessionRecord | undefined>;
  deleteSession(sessionHash: string): Promise<void>;

  insertPendingAuthorization(pending: PendingAuthorizationRecord): Promise<void>;
  getPendingAuthorization(id: string): Promise<PendingAuthorizationRecord | undefined>;
  deletePendingAuthorization(id: string): Promise<void>;

  /** Deletes expired codes, launches, sessions, pending requests, `jti` and assertion records. */
  pruneExpired(now: number): Promise<number>;
}
