import { join, raw, sql, type Sql } from '../sql/sql-fragment.js';
import type { Row } from '../sql/sql-executor.js';
import type { RecordDb } from '../auth/record-db.js';
import type { ConsentRecords, DisclosureRecord } from './consent-records.js';

/**
 * The consent records in plain SQL that both engines run (placeholders aside). The one engine
 * difference is claiming disclosures: PostgreSQL skips rows another process is claiming (`FOR
 * UPDATE SKIP LOCKED`) so both get work; SQLite has one writer and needs no lock.
 */
export function consentRecords(db: RecordDb, engine: 'sqlite' | 'postgres'): ConsentRecords {
  const skipLocked = raw(engine === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '');
  return {
    grantIdsOfConsent: async (consentId) =>
      (await db.read.query(sql`SELECT id FROM grants WHERE consent_id = ${consentId} ORDER BY created_at, id`)).map((r) => String(r.id)),

    grantsToReconcile: async (revokedSince) =>
      (await db.read.query(sql`SELECT id, consent_id, revoked_at FROM grants WHERE consent_id IS NOT NULL AND parent_grant_id IS NULL
        AND (revoked_at IS NULL OR revoked_at >= ${revokedSince})`))
        .map((r) => ({ grantId: String(r.id), consentId: String(r.consent_id), revoked: r.revoked_at !== null && r.revoked_at !== undefined })),

    recordDisclosures: async (ds) => {
      if (ds.length === 0) return;
      await db.once(insertDisclosures(ds));
    },

    claimDisclosures: (batchId, limit, at, staleBefore) => db.atomically(async (tx) => {
      // A stale claim first: its writer died between claiming and marking; the same rows again
      // give the same AuditEvent ids. The compare on claimed_at makes the take-over one caller's.
      // (Each query names its partial index's condition, so the index serves it: consent-schema.ts.)
      const stale = await tx.query(sql`SELECT batch_id FROM disclosures WHERE batch_id IS NOT NULL AND materialized_at IS NULL
        AND claimed_at < ${staleBefore} LIMIT 1`);
      if (stale.length > 0) {
        const staleId = String(stale[0]!.batch_id);
        const taken = await tx.query(sql`UPDATE disclosures SET claimed_at = ${at} WHERE batch_id = ${staleId} AND materialized_at IS NULL
          AND claimed_at < ${staleBefore} RETURNING *`);
        if (taken.length > 0) return { batchId: staleId, records: taken.map(disclosureOf).sort(byRecorded) };
      }
      // Select, then update, in the transaction: a LIMIT inside UPDATE … WHERE seq IN (…) may be
      // re-evaluated by PostgreSQL and take more rows than asked.
      const picked = await tx.query(sql`SELECT seq FROM disclosures WHERE batch_id IS NULL ORDER BY seq LIMIT ${limit} ${skipLocked}`);
      if (picked.length === 0) return { batchId, records: [] };
      const claimed = await tx.query(sql`UPDATE disclosures SET batch_id = ${batchId}, claimed_at = ${at}
        WHERE seq IN (${join(picked.map((r) => sql`${Number(r.seq)}`), ', ')}) AND batch_id IS NULL RETURNING *`);
      return { batchId, records: claimed.map(disclosureOf).sort(byRecorded) };
    }),

    markMaterialized: async (batchId, at) => {
      await db.once(sql`UPDATE disclosures SET materialized_at = ${at} WHERE batch_id = ${batchId} AND materialized_at IS NULL`);
    },

    pruneMaterialized: async (before) =>
      (await db.once(sql`DELETE FROM disclosures WHERE materialized_at IS NOT NULL AND materialized_at < ${before} RETURNING id`)).length,
  };
}

function disclosureOf(r: Row): DisclosureRecord {
  return {
    id: String(r.id), recordedAt: Number(r.recorded_at), grantId: String(r.grant_id), clientId: String(r.client_id),
    consentId: r.consent_id === null || r.consent_id === undefined ? null : String(r.consent_id), kind: String(r.kind),
    detail: String(r.detail), resources: String(r.resources),
    materializedAt: r.materialized_at === null || r.materialized_at === undefined ? null : Number(r.materialized_at),
    batchId: r.batch_id === null || r.batch_id === undefined ? null : String(r.batch_id),
  };
}

/** RETURNING gives rows in no particular order; a batch is read oldest first, as recorded. */
const byRecorded = (a: DisclosureRecord, b: DisclosureRecord) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The insert of disclosure records, also run inside a delivery round's finishing statement (subscription-sql.ts). */
export function insertDisclosures(ds: readonly DisclosureRecord[]): Sql {
  const rows = ds.map((d) => sql`(${d.id}, ${d.recordedAt}, ${d.grantId}, ${d.clientId}, ${d.consentId}, ${d.kind}, ${d.detail}, ${d.resources}, ${d.materializedAt})`);
  return sql`INSERT INTO disclosures (id, recorded_at, grant_id, client_id, consent_id, kind, detail, resources, materialized_at) VALUES ${join(rows, ', ')}`;
}
