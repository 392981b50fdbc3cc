import { list, raw, sql } from '../sql/sql-fragment.js';
import type { Row } from '../sql/sql-executor.js';
import type { RecordDb } from '../auth/record-db.js';
import { StorageBusy } from '../storage-errors.js';
import type { ReviewItem, ReviewRecords, ReviewState } from './review-records.js';

/** The subscriptions matcher's cursor (src/subscriptions/matcher.ts names it so). */
export const SUBSCRIPTIONS_MATCHER = 'subscriptions';
/** More changes than this not yet matched: the review pipeline is behind, and reviewed recipients wait (fail closed). */
const MAX_UNMATCHED = 1000;

/**
 * The review records in plain SQL that both engines run (placeholders aside). The one engine
 * difference is how a change-log position compares with the matcher's cursor: a sequence number
 * on SQLite, `xid:seq` on PostgreSQL (ADR 0001).
 */
export function reviewRecords(db: RecordDb, engine: 'sqlite' | 'postgres'): ReviewRecords {
  const pendingOrder = sql`ORDER BY client_id, subscription_id, event_number`;
  const afterCursor = raw(engine === 'sqlite'
    ? `v.seq > COALESCE((SELECT CAST(NULLIF(position, '') AS INTEGER) FROM subscription_matcher_cursors WHERE name = '${SUBSCRIPTIONS_MATCHER}'), 0)`
    : `(v.xid, v.seq) > (
        COALESCE((SELECT NULLIF(split_part(position, ':', 1), '')::xid8 FROM subscription_matcher_cursors WHERE name = '${SUBSCRIPTIONS_MATCHER}'), '0'::xid8),
        COALESCE((SELECT NULLIF(split_part(position, ':', 2), '')::bigint FROM subscription_matcher_cursors WHERE name = '${SUBSCRIPTIONS_MATCHER}'), 0))`);
  return {
    hold: async (events) => {
      if (events.length === 0) return;
      await db.atomically(async (tx) => {
        // ON CONFLICT DO NOTHING (SQLite ≥ 3.24 and PostgreSQL): a held event keeps its decision.
        for (const e of events) {
          await tx.query(sql`INSERT INTO review_items (subscription_id, event_number, client_id, grant_id, patient_id, focus_type, focus_id,
            focus_version, interaction, occurred_at, held_at, state)
            VALUES (${e.subscriptionId}, ${e.eventNumber}, ${e.clientId}, ${e.grantId}, ${e.patientId}, ${e.focusType}, ${e.focusId},
            ${e.focusVersion}, ${e.interaction}, ${e.occurredAt}, ${e.heldAt}, 'pending')
            ON CONFLICT (subscription_id, event_number) DO NOTHING`);
        }
      });
    },
    itemsOf: async (subscriptionId, from, to) =>
      (await db.read.query(sql`SELECT * FROM review_items WHERE subscription_id = ${subscriptionId} AND event_number >= ${from} AND event_number <= ${to}
        ORDER BY event_number`)).map(itemOf),
    firstPending: async (subscriptionId) => {
      const [row] = await db.read.query(sql`SELECT MIN(event_number) AS first FROM review_items WHERE subscription_id = ${subscriptionId} AND state = 'pending'`);
      return row?.first === null || row?.first === undefined ? null : Number(row.first);
    },
    pending: async (clientId) => (await db.read.query(clientId === null
      ? sql`SELECT * FROM review_items WHERE state = 'pending' ${pendingOrder}`
      : sql`SELECT * FROM review_items WHERE client_id = ${clientId} AND state = 'pending' ${pendingOrder}`)).map(itemOf),
    pendingByClient: async () => (await db.read.query(sql`SELECT client_id, COUNT(*) AS pending FROM review_items WHERE state = 'pending'
      GROUP BY client_id ORDER BY client_id`)).map((r) => ({ clientId: String(r.client_id), pending: Number(r.pending) })),
    decided: async (clientId, limit) => (await db.read.query(sql`SELECT * FROM review_items WHERE client_id = ${clientId} AND state <> 'pending'
      ORDER BY decided_at DESC, subscription_id, event_number LIMIT ${limit}`)).map(itemOf),
    decide: (clientId, keys, d) => db.atomically(async (tx) => {
      const decided: ReviewItem[] = [];
      for (const key of keys) {
        const rows = await tx.query(sql`UPDATE review_items SET state = ${d.state}, reason = ${d.reason}, decided_by = ${d.by}, decided_at = ${d.at}
          WHERE subscription_id = ${key.subscriptionId} AND event_number = ${key.eventNumber} AND client_id = ${clientId} AND state = 'pending'
          RETURNING *`);
        decided.push(...rows.map(itemOf));
      }
      return decided;
    }),
    heldFrom: async (clientIds) => {
      if (clientIds.length === 0) return [];
      const clients = list(clientIds);
      // Held or rejected at review (a later approved version lifts an earlier rejection) …
      const rows = await db.read.query(sql`SELECT i.focus_type, i.focus_id FROM review_items i
        WHERE i.client_id IN (${clients}) AND i.state <> 'approved'
          AND NOT EXISTS (SELECT 1 FROM review_items j WHERE j.client_id = i.client_id AND j.focus_type = i.focus_type AND j.focus_id = i.focus_id
            AND j.state = 'approved' AND j.focus_version > i.focus_version)
        UNION
        SELECT e.focus_type, e.focus_id FROM subscription_events e JOIN subscriptions s ON s.id = e.subscription_id JOIN grants g ON g.id = s.grant_id
        WHERE g.client_id IN (${clients}) AND s.status <> 'off' AND e.delivered_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM review_items r WHERE r.subscription_id = e.subscription_id AND r.event_number = e.event_number)`);
      // … and, while the recipient has a live subscription, every change the matcher has not
      // looked at yet: between a commit and its hold there is no window in which to read it.
      const unmatched = await db.read.query(sql`SELECT v.resource_type AS focus_type, v.id AS focus_id FROM resource_versions v
        WHERE ${afterCursor}
          AND EXISTS (SELECT 1 FROM subscriptions s JOIN grants g ON g.id = s.grant_id WHERE g.client_id IN (${clients}) AND s.status <> 'off')
        LIMIT ${MAX_UNMATCHED + 1}`);
      if (unmatched.length > MAX_UNMATCHED) throw new StorageBusy('the review queue is behind the change log; retry shortly');
      const held = new Map<string, { resourceType: string; id: string }>();
      for (const r of [...rows, ...unmatched]) held.set(`${String(r.focus_type)}/${String(r.focus_id)}`, { resourceType: String(r.focus_type), id: String(r.focus_id) });
      return [...held.values()];
    },
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function itemOf(r: Row): ReviewItem {
  return {
    subscriptionId: String(r.subscription_id), eventNumber: Number(r.event_number), clientId: String(r.client_id), grantId: str(r.grant_id),
    patientId: str(r.patient_id), focusType: String(r.focus_type), focusId: String(r.focus_id), focusVersion: Number(r.focus_version),
    interaction: String(r.interaction), occurredAt: Number(r.occurred_at), heldAt: Number(r.held_at), state: String(r.state) as ReviewState,
    reason: str(r.reason), decidedBy: str(r.decided_by), decidedAt: num(r.decided_at),
  };
}
