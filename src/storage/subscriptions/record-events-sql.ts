import { join, sql, type Sql } from '../sql/sql-fragment.js';
import type { RecordDb } from '../auth/record-db.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { StorageConflict } from '../storage-errors.js';
import type { EventClaim, EventRecord, NewEvent, RecordedEvents, SubscriptionRecord } from './subscription-records.js';
import { subscriptionOf } from './subscription-rows.js';

/**
 * `recordEvents`: numbers a batch's events and moves the matcher's cursor from `from` to `to`,
 * atomically, refused (StorageConflict) when the cursor is no longer at `from`. The cursor is
 * compared and set first: its row lock serializes matchers, and a matcher whose view is stale
 * records nothing (no duplicates across processes). Each subscription's counter only grows; its
 * events take the next numbers in the order given. An idle active subscription is woken at once;
 * one backing off or awaiting its handshake keeps its time. Events of a subscription deleted or
 * turned off meanwhile are dropped (the matcher's catalog may not know yet: SubscriptionRecords.catalog).
 *
 * PostgreSQL: ONE statement (data-modifying CTEs, its own transaction), whatever the batch size —
 * a network round trip costs more than the work. SQLite: one transaction of small statements,
 * in-process and group-committed with the writes.
 */
export type RecordEvents = (matcher: string, from: string, to: string, events: NewEvent[], now: number, claim?: EventClaim) => Promise<RecordedEvents>;

/** How this process leases a subscription (subscription-sql.ts): its `owner` name, and when a lease is free to take. */
export interface Leasing {
  owner: string;
  leaseFree: (now: number) => Sql;
}

export function recordEventsSql(db: RecordDb, engine: 'sqlite' | 'postgres', leasing: Leasing): RecordEvents {
  return engine === 'postgres' ? recordInOneStatement(db, leasing) : recordInOneTransaction(db, leasing);
}

/** Each event's place among its subscription's events in this batch (1, 2, …), and how many each subscription gets. */
export function ordinals(events: NewEvent[]): { ordinal: number[]; perSubscription: Map<string, number> } {
  const perSubscription = new Map<string, number>();
  const ordinal = events.map((e) => {
    const n = (perSubscription.get(e.subscriptionId) ?? 0) + 1;
    perSubscription.set(e.subscriptionId, n);
    return n;
  });
  return { ordinal, perSubscription };
}

/** The compare-and-set: an upsert for a matcher's first batch (no row yet), else an update. */
function moveCursor(matcher: string, from: string, to: string, now: number): Sql {
  return from === ''
    ? sql`INSERT INTO subscription_matcher_cursors (name, position, updated_at) VALUES (${matcher}, ${to}, ${now})
        ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
        WHERE subscription_matcher_cursors.position = '' RETURNING name`
    : sql`UPDATE subscription_matcher_cursors SET position = ${to}, updated_at = ${now} WHERE name = ${matcher} AND position = ${from} RETURNING name`;
}

const wake = (now: number) => sql`next_attempt_at = CASE WHEN status = 'active' AND failures = 0 THEN CAST(${now} AS BIGINT) ELSE next_attempt_at END`;

/**
 * The lease columns' SET: taken for the claimed ids whenever claimDue would take them once `wake`
 * has run — not off, due (an idle active one is due now; any other keeps its time), lease free.
 * Both CASEs read the row as it was (SET sees the old values), so they agree.
 */
function takeLease(leasing: Leasing, claim: EventClaim | undefined, now: number): Sql {
  if (claim === undefined || claim.ids.length === 0) return sql``;
  const ids = join(claim.ids.map((id) => sql`${id}`), ', ');
  const claimable = sql`id IN (${ids}) AND status <> 'off'
    AND ((status = 'active' AND failures = 0) OR next_attempt_at <= ${now})
    AND ${leasing.leaseFree(now)}`;
  return sql`, leased_until = CASE WHEN ${claimable} THEN CAST(${claim.leaseUntil} AS BIGINT) ELSE leased_until END,
    leased_by = CASE WHEN ${claimable} THEN ${leasing.owner} ELSE leased_by END`;
}

/** Whether an updated row (its new values) carries the lease this record took: this statement set exactly these. */
function claimedBy(row: Record<string, unknown>, leasing: Leasing, claim: EventClaim | undefined): boolean {
  return claim !== undefined && row.leased_by === leasing.owner && Number(row.leased_until) === claim.leaseUntil && claim.ids.includes(String(row.id));
}
function recordInOneStatement(db: RecordDb, leasing: Leasing): RecordEvents {
  return async (matcher, from, to, events, now, claim) => {
    const { ordinal, perSubscription } = ordinals(events);
    const column = <T>(pick: (e: NewEvent) => T) => events.map(pick);
    // Data-modifying CTEs run exactly once and to completion, read or not; `counted` and so
    // `inserted` happen only if `moved` did. One statement, its own transaction (RecordDb.once):
    // BEGIN and COMMIT would be two more round trips, most of the cost.
    const rows = await db.once(sql`WITH moved AS (${moveCursor(matcher, from, to, now)}),
      counts AS (SELECT * FROM unnest(${[...perSubscription.keys()]}::text[], ${[...perSubscription.values()]}::int[]) AS c(subscription_id, n)),
      counted AS (UPDATE subscriptions s SET events_since_start = s.events_since_start + c.n, ${wake(now)} ${takeLease(leasing, claim, now)}
        FROM counts c WHERE s.id = c.subscription_id AND s.status <> 'off' AND EXISTS (SELECT 1 FROM moved)
        RETURNING s.*, s.events_since_start - c.n AS before),
      inserted AS (INSERT INTO subscription_events (subscription_id, event_number, focus_type, focus_id, focus_version, interaction, occurred_at, recorded_at)
        SELECT e.subscription_id, c.before + e.ordinal, e.focus_type, e.focus_id, e.focus_version, e.interaction, e.occurred_at, ${now}::bigint
        FROM unnest(${column((e) => e.subscriptionId)}::text[], ${ordinal}::int[], ${column((e) => e.focusType)}::text[],
          ${column((e) => e.focusId)}::text[], ${column((e) => e.focusVersion)}::int[], ${column((e) => e.interaction)}::text[],
          ${column((e) => e.occurredAt)}::bigint[]) AS e(subscription_id, ordinal, focus_type, focus_id, focus_version, interaction, occurred_at)
        JOIN counted c ON c.id = e.subscription_id)
      SELECT (SELECT COUNT(*) FROM moved) AS moved, c.* FROM (SELECT 1) AS one LEFT JOIN counted c ON true`);
    if (Number(rows[0]?.moved ?? 0) === 0) throw new StorageConflict(`matcher ${matcher} is no longer at ${from}`);
    const counted = rows.filter((r) => r.id !== null && r.id !== undefined);
    const before = new Map(counted.map((r) => [String(r.id), Number(r.before)]));
    return { events: numbered(events, ordinal, before, now), claimed: counted.filter((r) => claimedBy(r, leasing, claim)).map(subscriptionOf) };
  };
}

function recordInOneTransaction(db: RecordDb, leasing: Leasing): RecordEvents {
  return (matcher, from, to, events, now, claim) => db.atomically(async (tx: SqlExecutor) => {
    if ((await tx.query(moveCursor(matcher, from, to, now))).length === 0) throw new StorageConflict(`matcher ${matcher} is no longer at ${from}`);
    const { ordinal, perSubscription } = ordinals(events);
    const before = new Map<string, number>();
    const claimed: SubscriptionRecord[] = [];
    for (const [id, n] of perSubscription) {
      const counted = await tx.query(sql`UPDATE subscriptions SET events_since_start = events_since_start + ${n}, ${wake(now)} ${takeLease(leasing, claim, now)}
        WHERE id = ${id} AND status <> 'off' RETURNING *`);
      if (counted.length === 0) continue;
      before.set(id, Number(counted[0]!.events_since_start) - n);
      if (claimedBy(counted[0]!, leasing, claim)) claimed.push(subscriptionOf(counted[0]!));
    }
    const recorded = numbered(events, ordinal, before, now);
    for (const e of recorded) {
      await tx.query(sql`INSERT INTO subscription_events (subscription_id, event_number, focus_type, focus_id, focus_version,
        interaction, occurred_at, recorded_at) VALUES (${e.subscriptionId}, ${e.eventNumber}, ${e.focusType}, ${e.focusId},
        ${e.focusVersion}, ${e.interaction}, ${e.occurredAt}, ${now})`);
    }
    return { events: recorded, claimed };
  });
}

/** The events whose subscription was counted (not deleted meanwhile), numbered on from its counter `before` the batch. */
function numbered(events: NewEvent[], ordinal: number[], before: Map<string, number>, now: number): EventRecord[] {
  return events.flatMap((e, i) => {
    const base = before.get(e.subscriptionId);
    return base === undefined ? [] : [{ ...e, eventNumber: base + ordinal[i]!, recordedAt: now, deliveredAt: null }];
  });
}
