/**
 * The consent capability's records (issue 5). Storage keeps them and knows nothing of what they
 * mean: which grants need a Consent, what a disclosure is, how it becomes an AuditEvent are
 * decided above. Times are epoch ms.
 */

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
  /** The materializer's batch that took the row (migration 7), null until claimed. */
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
   * Takes rows to turn into AuditEvents as one batch: a batch claimed before `staleBefore` and
   * never materialized (its writer died) is taken again whole, under its own id; otherwise up to
   * `limit` unclaimed rows, oldest first, become batch `batchId`. Rows are claimed by one caller
   * only, also across processes. Empty when nothing waits.
   */
  claimDisclosures(batchId: string, limit: number, at: number, staleBefore: number): Promise<{ batchId: string; records: DisclosureRecord[] }>;
  /** The batch's AuditEvents are written. */
  markMaterialized(batchId: string, at: number): Promise<void>;
  /** Retention: drops materialized rows older than `before` (their AuditEvents stay). */
  pruneMaterialized(before: number): Promise<number>;
}
