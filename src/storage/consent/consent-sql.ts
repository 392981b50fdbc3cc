import { join, raw, sql, type Sql } from '../sql/sql-fragment.js';
import type { Row, SqlExecutor } from '../sql/sql-executor.js';
import type { RecordDb } from '../auth/record-db.js';
import type { ConsentRecords, DisclosureRecord } from './consent-records.js';

/**
 * The consent records in plain SQL that both engines run (placeholders aside). The one engine
 * difference is taking disclosures to materialize: on PostgreSQL one process at a time does it
 * (`MATERIALIZE_LOCK`); SQLite has one writer.
 */
/**
 * Arbitrary, fixed: the transaction-scoped advisory lock a PostgreSQL materialization tries before
 * it takes rows; a process that does not get it leaves the work to the one that did. Rows locked
 * `FOR UPDATE` instead would give the transaction its id at its start — and the change log's
 * readers wait for every transaction id older than a change (ADR 0001): notifications stalled for
 * the whole batch (its reads, its AuditEvents' validation, its writes). An advisory lock needs no
 * transaction id: the id comes with the batch's first write, and the matcher waits for that
 * statement only.
 */
const MATERIALIZE_LOCK = 7_100_002;
/** The grants a Consent backs (ConsentRecords, and StoreTransaction in a write's own transaction). */
export async function grantIdsOfConsent(db: SqlExecutor, consentId: string): Promise<string[]> {
  return (await db.query(sql`SELECT id FROM grants WHERE consent_id = ${consentId} ORDER BY created_at, id`)).map((r) => String(r.id));
}

export function consentRecords(db: RecordDb, engine: 'sqlite' | 'postgres'): ConsentRecords {
  return {
    grantIdsOfConsent: (consentId) => grantIdsOfConsent(db.read, consentId),

    grantsToReconcile: async (revokedSince) =>
      (await db.read.query(sql`SELECT id, consent_id, revoked_at FROM grants WHERE consent_id IS NOT NULL AND parent_grant_id IS NULL
        AND (revoked_at IS NULL OR revoked_at >= ${revokedSince})`))
        .map((r) => ({ grantId: String(r.id), consentId: String(r.consent_id), revoked: r.revoked_at !== null && r.revoked_at !== undefined })),

    recordDisclosures: async (ds) => {
      if (ds.length === 0) return;
      await db.once(insertDisclosures(ds));
    },

    materializeDisclosures: async (batchId, limit, at, staleBefore, steps) => {
      // Read outside any transaction, and prepared there. (Each query names its partial index's
      // condition, so the index serves it: consent-schema.ts.)
      let peeked = await staleBatch(db.read, staleBefore);
      const id = peeked.length > 0 ? String(peeked[0]!.batch_id) : batchId;
      if (peeked.length === 0) peeked = await db.read.query(sql`SELECT * FROM disclosures WHERE batch_id IS NULL ORDER BY seq LIMIT ${limit}`);
      if (peeked.length === 0) return { batchId, taken: 0 };
      const prepared = await steps.prepare({ batchId: id, records: peeked.map(disclosureOf).sort(byRecorded) });
      return db.withResources(async (tx, resources) => {
        if (engine === 'postgres' && (await tx.query(sql`SELECT pg_try_advisory_xact_lock(${MATERIALIZE_LOCK}) AS locked`))[0]?.locked !== true) {
          return { batchId: id, taken: 0 };
        }
        const state = id === batchId ? raw('batch_id IS NULL') : sql`batch_id = ${id}`;
        const locked = new Set((await tx.query(sql`SELECT seq FROM disclosures WHERE seq IN (${seqList(peeked)}) AND materialized_at IS NULL AND ${state}`))
          .map((r) => Number(r.seq)));
        const taken = peeked.filter((r) => locked.has(Number(r.seq)));
        if (taken.length === 0) return { batchId: id, taken: 0 };
        await steps.write({ batchId: id, records: taken.map(disclosureOf).sort(byRecorded) }, prepared, resources);
        // One rewrite of each row, in the transaction that wrote its AuditEvent: it leaves the
        // pending index for the materialized one.
        await tx.query(sql`UPDATE disclosures SET batch_id = ${id}, claimed_at = COALESCE(claimed_at, ${at}), materialized_at = ${at}
          WHERE seq IN (${seqList(taken)})`);
        return { batchId: id, taken: taken.length };
      });
    },

    pendingDisclosures: async (limit) =>
      (await db.read.query(sql`SELECT * FROM disclosures WHERE materialized_at IS NULL ORDER BY seq LIMIT ${limit}`)).map(disclosureOf).sort(byRecorded),

    pruneMaterialized: async (before) =>
      (await db.once(sql`DELETE FROM disclosures WHERE materialized_at IS NOT NULL AND materialized_at < ${before} RETURNING id`)).length,
  };
}

/**
 * The rows of one batch the earlier claim-then-mark materializer claimed and never marked (its
 * process died between the two; migration 7): none once every such batch is done.
 */
async function staleBatch(read: SqlExecutor, staleBefore: number): Promise<Row[]> {
  const stale = await read.query(sql`SELECT batch_id FROM disclosures WHERE batch_id IS NOT NULL AND materialized_at IS NULL
    AND claimed_at < ${staleBefore} LIMIT 1`);
  if (stale.length === 0) return [];
  return read.query(sql`SELECT * FROM disclosures WHERE batch_id = ${String(stale[0]!.batch_id)} AND materialized_at IS NULL`);
}

const seqList = (rows: Row[]) => join(rows.map((r) => sql`${Number(r.seq)}`), ', ');

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
