/**
 * The consent capability's records (issue 5). Storage keeps them and knows nothing of what they
 * mean: which grants need a Consent, what a disclosure is, how it becomes an AuditEvent are
 * decided above. Times are epoch ms.
 */
import type { StoreTransaction } from '../resource-store.js';

/** What left the system for an outside party: `read`, `search`, `history`, `operation`, `batch`, `notification`. */
export interface DisclosureRecord {
  id: string;
  recordedAt: number;
  grantId: string;
  clientId: string;
  /** The Consent backing the grant, when there is one. */
  consentId: string | null;
  kind: string;
  /** JSON: the request (method, path, query) or the notification (subscription, event numbers). */
  detail: string;
  /** JSON array of versioned references (`Condition/1/_history/2`) of the resources sent. */
  resources: string;
  materializedAt: number | null;
  /** The materializer's batch that took the row (migration 7), null while pending. */
  batchId?: string | null;
}

/** Rows of the disclosure log taken as one batch, oldest first. */
export interface DisclosureBatchRows {
  batchId: string;
  records: DisclosureRecord[];
}

export interface ConsentRecords {
  /** The grants (root and derived) a Consent backs, by id. */
  grantIdsOfConsent(consentId: string): Promise<string[]>;
  /**
   * Grants a Consent was made for (not derived ones) that are live, or were revoked at or after
   * `revokedSince`: what a restart compares with their Consents (a crash between the two writes).
   */
  grantsToReconcile(revokedSince: number): Promise<{ grantId: string; consentId: string; revoked: boolean }[]>;
  /** Durable before the disclosure is acknowledged to the rest of the server. */
  /** Several disclosures in one transaction (the log's group commit: one commit for all requests waiting on it). */
  recordDisclosures(disclosures: DisclosureRecord[]): Promise<void>;
  /**
   * Turns pending disclosures into AuditEvents: takes up to `limit` rows not yet materialized,
   * oldest first; `steps.prepare` reads what their AuditEvents need with no transaction open (it may
   * read through the store: nothing is held meanwhile — a transaction waiting on a read from its
   * own pool would hang a one-connection pool); then, in one transaction, the rows still pending are
   * locked, `steps.write` writes their AuditEvents through `resources`, and they are marked
   * materialized as batch `batchId` — all of it commits together or not at all (a crash or a
   * failing `write` leaves them pending, nothing written). Rows another process's materialization
   * took in between are left out of `write`'s batch; on PostgreSQL one process materializes at a
   * time (a transaction-scoped advisory lock, tried: the others take nothing and leave the work to
   * it — a row lock would give the transaction an id at once, which the matcher waits for); SQLite
   * has one writer. A batch claimed by the earlier claim-then-mark materializer (migration 7) whose
   * writer died — claimed before `staleBefore`, never marked — is taken first, whole and under its
   * own id, so AuditEvents it may already have written are written again, not twice. Returns the
   * batch id used and how many rows it materialized (0: nothing waits, or another process took
   * them all first).
   */
  materializeDisclosures<P>(batchId: string, limit: number, at: number, staleBefore: number, steps: {
    prepare(batch: DisclosureBatchRows): Promise<P>;
    write(batch: DisclosureBatchRows, prepared: P, resources: StoreTransaction): Promise<void>;
  }): Promise<{ batchId: string; taken: number }>;
  /** Rows not yet materialized, oldest first (inspection and tests: not served by an index alone). */
  pendingDisclosures(limit: number): Promise<DisclosureRecord[]>;
  /** Retention: drops materialized rows older than `before` (their AuditEvents stay). */
  pruneMaterialized(before: number): Promise<number>;
}
