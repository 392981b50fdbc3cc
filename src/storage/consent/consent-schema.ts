/**
 * Issue 5 (migration 4 on both engines): the disclosure log's durable records and the lookup from
 * a Consent to the grants it backs. A disclosure row is written before the response (or after the
 * notification) leaves; AuditEvents are made from the rows in batches and the row is marked then.
 */
export function consentSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
    CREATE INDEX grants_consent ON grants (consent_id);

    CREATE TABLE disclosures (
      id TEXT PRIMARY KEY,
      recorded_at ${time} NOT NULL,
      grant_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      consent_id TEXT,
      kind TEXT NOT NULL,
      detail TEXT NOT NULL,
      resources TEXT NOT NULL,
      materialized_at ${time}
    );
    CREATE INDEX disclosures_pending ON disclosures (materialized_at, recorded_at);
  `;
}

/**
 * Migration 7 (both engines): a materializer claims pending disclosures as a batch before it
 * writes their AuditEvents, so several processes never take the same rows, and a batch whose
 * writer died is taken again whole — same rows, same AuditEvent ids (ADR 0009, amended).
 */
export function disclosureBatchSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
    ALTER TABLE disclosures ADD COLUMN batch_id TEXT;
    ALTER TABLE disclosures ADD COLUMN claimed_at ${time};
    CREATE INDEX disclosures_unclaimed ON disclosures (batch_id, recorded_at);
    -- The stale-claim probe reads only claimed, unmarked rows (NULL claimed_at sorts apart).
    CREATE INDEX disclosures_stale ON disclosures (materialized_at, claimed_at);
  `;
}
