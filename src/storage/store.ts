import type { SearchRequest } from '../model/index.js';
import type { ResourceVersion, StoreReader, StoreTransaction } from './resource-store.js';
import type { AuthRecords } from './auth/auth-records.js';
import type { SubscriptionRecords } from './subscriptions/subscription-records.js';
import type { ConsentRecords } from './consent/consent-records.js';
import type { InvitationRecords } from './handover/invitation-records.js';
import type { ReviewRecords } from './review/review-records.js';

/**
 * The one storage interface. Two engines implement it (SQLite, PostgreSQL); nothing above
 * `storage/` knows which one it has. Storage knows nothing of HTTP, OAuth or FHIR REST: it keeps
 * resource versions (the history doubles as the change log), their search index, and answers
 * compiled searches.
 */

export type * from './resource-store.js';

export type EngineName = 'sqlite' | 'postgres';

/** One committed change, in change-log order. */
export interface Change {
  resourceType: string;
  id: string;
  versionId: number;
  deleted: boolean;
  lastUpdated: number;
  /**
   * Only for the types `readChanges` was asked to bring content for: the version this change
   * wrote (a deletion's tombstone included) and the version before it (absent on create).
   */
  versions?: { current: ResourceVersion | undefined; previous: ResourceVersion | undefined };
}

/** Names one version of one resource. */
export interface VersionKey {
  resourceType: string;
  id: string;
  versionId: number;
}

export interface ChangeBatch {
  changes: Change[];
  /** Pass back to read the changes after these. Opaque; differs per engine. */
  cursor: string | null;
  /**
   * Committed changes after these exist that cannot be handed out yet: an older transaction is
   * still running (PostgreSQL, ADR 0001). Its commit may announce nothing, so read again soon.
   */
  heldBack?: boolean;
  /**
   * The subscription catalog's version as of this read, or a later one (SubscriptionRecords.catalog):
   * a subscription created before any of these changes committed is in every catalog at least this new.
   */
  catalogVersion: string;
}

export interface Store extends StoreReader {
  readonly engine: EngineName;
  /** The authorization server's records: clients, users, keys, grants and what hangs off them. */
  readonly auth: AuthRecords;
  /** The subscriptions engine's records: subscriptions' state, numbered events, matcher cursors, attempts. */
  readonly subscriptions: SubscriptionRecords;
  /** The consent capability's records: grants by Consent, the durable disclosure log (issue 5). */
  readonly consent: ConsentRecords;
  /** The handover's invitations from a clinician's referral to the patient (issue 5 b). */
  readonly invitations: InvitationRecords;
  /** Review before sending: the events held for a clinician's decision (issue 5 c). */
  readonly review: ReviewRecords;
  /** Applies numbered migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /** Database reachable and migrations applied. */
  isReady(): Promise<boolean>;
  /** Runs `work` in one atomic transaction; a thrown error rolls everything back. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** `listener` runs after every transaction of this store that wrote resource versions committed (commit-listeners.ts). */
  onVersionsCommitted(listener: () => void): void;
  /**
   * The change log after `cursor` (null = from the start). Never skips a committed change, even
   * when concurrent transactions commit out of sequence order. Changes of `contentTypes` come
   * with their `versions`, read by the same statement.
   */
  readChanges(cursor: string | null, limit: number, contentTypes?: readonly string[]): Promise<ChangeBatch>;
  /**
   * Several versions in one statement (those that exist, in no particular order): a reader of a
   * batch of changes or events pays one round trip, not one per version.
   */
  readVersions(keys: readonly VersionKey[]): Promise<ResourceVersion[]>;
  /** True when no resource was ever stored (an index probe, not a count: cheap on any size). */
  isEmpty(): Promise<boolean>;
  /**
   * Claims the database for this serving process until close; throws StorageInUse when another
   * process serves it and the engine cannot share it (SQLite: delivery leases, group commit and
   * the matcher assume one process). PostgreSQL is shared by design: always granted.
   */
  claimServing(): Promise<void>;
  /**
   * The engine's query plan for a search's first statement (SQLite `EXPLAIN QUERY PLAN`,
   * PostgreSQL `EXPLAIN`), one line per plan node: to check that searches use the indexes.
   */
  explainSearch(request: SearchRequest): Promise<string[]>;
  /**
   * Wake-ups between the server processes sharing this database (PostgreSQL LISTEN/NOTIFY);
   * absent on SQLite, whose database one process owns.
   */
  readonly signals?: StoreSignals;
  close(): Promise<void>;
}

/**
 * Signals between processes: hints, never data. A lost signal costs latency (listeners also
 * poll), an extra one a wasted look; so a signal sent after a commit may be lost in a crash.
 */
export interface StoreSignals {
  /** Every process listening on `channel` (this one too) gets `payload`. Channel: `[a-z_][a-z0-9_]*`. */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls `handler` with each signal on `channel`, and with '' after a lost connection came
   * back (signals may have been missed meanwhile). Resolves once listening — or, when the
   * database cannot be reached, once a reconnection is scheduled; returns the stop function.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
}
