import { join, sql } from '../sql/sql-fragment.js';
import type { Row } from '../sql/sql-executor.js';
import type { RecordDb } from '../auth/record-db.js';
import type { ConsentRecords, DisclosureRecord } from './consent-records.js';

/** The consent records in plain SQL that both engines run unchanged (placeholders aside). */
export function consentRecords(db: RecordDb): ConsentRecords {
  return {
    grantIdsOfConsent: async (consentId) =>
      (await db.read.query(sql`SELECT id FROM grants WHERE consent_id = ${consentId} ORDER BY created_at, id`)).map((r) => String(r.id)),

    grantsToReconcile: async (revokedSince) =>
      (await db.read.query(sql`SELECT id, consent_id, revoked_at FROM grants WHERE consent_id IS NOT NULL AND parent_grant_id IS NULL
        AND (revoked_at IS NULL OR revoked_at >= ${revokedSince})`))
        .map((r) => ({ grantId: String(r.id), consentId: String(r.consent_id), revoked: r.revoked_at !== null && r.revoked_at !== undefined })),

    recordDisclosures: async (ds) => {
      if (ds.length === 0) return;
      const rows = ds.map((d) => sql`(${d.id}, ${d.recordedAt}, ${d.grantId}, ${d.clientId}, ${d.consentId}, ${d.kind}, ${d.detail}, ${d.resources}, ${d.materializedAt})`);
      await db.atomically((tx) => tx.query(sql`INSERT INTO disclosures (id, recorded_at, grant_id, client_id, consent_id, kind, detail, resources, materialized_at)
        VALUES ${join(rows, ', ')}`));
    },

    pendingDisclosures: async (limit) =>
      (await db.read.query(sql`SELECT * FROM disclosures WHERE materialized_at IS NULL ORDER BY recorded_at, id LIMIT ${limit}`)).map(disclosureOf),

    markMaterialized: async (ids, at) => {
      if (ids.length === 0) return;
      await db.atomically((tx) => tx.query(sql`UPDATE disclosures SET materialized_at = ${at} WHERE id IN (${join(ids.map((id) => sql`${id}`), ', ')})`));
    },

    pruneMaterialized: async (before) =>
      (await db.atomically((tx) => tx.query(sql`DELETE FROM disclosures WHERE materialized_at IS NOT NULL AND materialized_at < ${before} RETURNING id`))).length,
  };
}

function disclosureOf(r: Row): DisclosureRecord {
  return {
    id: String(r.id), recordedAt: Number(r.recorded_at), grantId: String(r.grant_id), clientId: String(r.client_id),
    consentId: r.consent_id === null || r.consent_id === undefined ? null : String(r.consent_id), kind: String(r.kind),
    detail: String(r.detail), resources: String(r.resources),
    materializedAt: r.materialized_at === null || r.materialized_at === undefined ? null : Number(r.materialized_at),
  };
}
