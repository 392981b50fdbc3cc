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
   * Turns pending disclosures into AuditEvents in one transaction: takes up to `limit` rows not
   * yet materialized, oldest first, hands them to `work` — which writes the AuditEvents through
   * `resources` — and marks them materialized as batch `batchId`; all of it commits together or
   * not at all (a crash or a failing `work` leaves the rows pending, and nothing written). Rows
   * another process's materialization holds are skipped (PostgreSQL `FOR UPDATE SKIP LOCKED`;
   * SQLite has one writer). A batch claimed by the earlier claim-then-mark materializer (migration
   * 7) whose writer died — claimed before `staleBefore`, never marked — is taken first, whole and
   * under its own id, so AuditEvents it may already have written are written again, not twice.
   * Returns the batch id used and how many rows it took (0: nothing waits; `work` not called).
   */
  materializeDisclosures(batchId: string, limit: number, at: number, staleBefore: number,
    work: (batch: { batchId: string; records: DisclosureRecord[] }, resources: StoreTransaction) => Promise<void>): Promise<{ batchId: string; taken: number }>;
  /** Rows not yet materialized, oldest first (inspection and tests: not served by an index alone). */
  pendingDisclosures(limit: number): Promise<DisclosureRecord[]>;
  /** Retention: drops materialized rows older than `before` (their AuditEvents stay). */
  pruneMaterialized(before: number): Promise<number>;
}
