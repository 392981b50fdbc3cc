import { join, raw, sql, type Sql } from '../sql/sql-fragment.js';
import type { RecordDb } from '../auth/record-db.js';
import { insertDisclosures } from '../consent/consent-sql.js';
import { recordEventsSql } from './record-events-sql.js';
import type { Row } from '../sql/sql-executor.js';
import type { DeliveryAttempt, EventRecord, SubscriptionRecords } from './subscription-records.js';
import { attemptOf, eventOf, num, subscriptionOf, textOrNull } from './subscription-rows.js';

/** Prefix of the PostgreSQL application_name that marks a store instance's connections. */
export const LEASE_HOLDER_PREFIX = 'handover:';

/**
 * The subscription records in plain SQL both engines run (placeholders aside). The one engine
 * difference is claiming work: PostgreSQL skips rows another process holds (`FOR UPDATE SKIP
 * LOCKED`, ARCHITECTURE.md "Scaling out"); SQLite has one writer and needs no lock.
 */
export function subscriptionRecords(db: RecordDb, engine: 'sqlite' | 'postgres', owner: string): SubscriptionRecords {
  const list = async (statement: Sql) => (await db.read.query(statement)).map(subscriptionOf);
  const skipLocked = raw(engine === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '');
  // A lease whose holder is gone is free at once (a process killed mid-round): on PostgreSQL the
  // holder is gone when no session carries its application_name (postgres-store.ts sets it on
  // every connection); an SQLite database belongs to one process, so any other holder is a
  // previous run of it.
  const holderGone = engine === 'postgres'
    ? sql`(leased_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = ${LEASE_HOLDER_PREFIX} || leased_by))`
    : sql`(leased_by IS NULL OR leased_by <> ${owner})`;
  // Whoever claims (claimDue, the matcher's record) takes a lease only when this holds.
  const leaseFree = (now: number) => sql`(leased_until IS NULL OR leased_until < ${now} OR ${holderGone})`;
  const recordEvents = recordEventsSql(db, engine, { owner, leaseFree });
  // Several writes as one unit: on PostgreSQL one statement (all but the last as data-modifying
  // CTEs, which run exactly once and to completion), on SQLite one group-committed transaction.
  // Returns the rows of the last statement.
  const allAtOnce = async (statements: Sql[]) => {
    if (engine === 'postgres') {
      const ctes = statements.slice(0, -1).map((statement, i) => sql`${raw(`w${i}`)} AS (${statement})`);
      return db.once(ctes.length > 0 ? sql`WITH ${join(ctes, ', ')} ${statements[statements.length - 1]!}` : statements[0]!);
    }
    return db.atomically(async (tx) => {
      let rows: Awaited<ReturnType<typeof tx.query>> = [];
      for (const statement of statements) rows = await tx.query(statement);
      return rows;
    });
  };

  // In the transaction of every write that can add a matcher candidate or change one (catalog()).
  const moveCatalog = sql`UPDATE subscription_catalog SET version = version + 1 WHERE id = 1`;

  return {
    insertSubscription: async (s) => {
      await allAtOnce([moveCatalog, sql`INSERT INTO subscriptions (id, grant_id, topic_url, patient_key, settings, status,
        next_attempt_at, created_at, updated_at)
        VALUES (${s.id}, ${s.grantId}, ${s.topicUrl}, ${s.patientKey}, ${s.settings}, ${s.status},
        ${s.status === 'off' ? null : s.now}, ${s.now}, ${s.now})`]);
    },
    getSubscription: async (id) => (await list(sql`SELECT * FROM subscriptions WHERE id = ${id}`))[0],
    listSubscriptions: () => list(sql`SELECT * FROM subscriptions ORDER BY created_at, id`),

    // With `restart`, one statement also does what restartSubscription does: a round claiming the
    // subscription in between would otherwise send the old backlog the restart skips.
    updateSubscription: async (id, c) => (await allAtOnce([moveCatalog, sql`UPDATE subscriptions SET grant_id = ${c.grantId}, topic_url = ${c.topicUrl},
        patient_key = ${c.patientKey}, settings = ${c.settings}, updated_at = ${c.now},
        ${c.restart ? sql`next_attempt_at = ${c.now}, status = 'requested', last_delivered = events_since_start, error = NULL, failing_since = NULL, failures = 0`
          : c.turnOff ? sql`next_attempt_at = NULL, status = 'off'`
            : sql`next_attempt_at = CASE WHEN status = 'off' THEN NULL ELSE CAST(${c.now} AS BIGINT) END`}
        WHERE id = ${id} RETURNING id`])).length > 0,

    // Backport IG: a subscriber puts an errored subscription back to `requested`; we handshake
    // again and deliver what happens next. What was missed stays available through $events.
    restartSubscription: async (id, now) => (await allAtOnce([moveCatalog, sql`UPDATE subscriptions SET status = 'requested',
        last_delivered = events_since_start, error = NULL, failing_since = NULL, failures = 0, next_attempt_at = ${now}, updated_at = ${now}
        WHERE id = ${id} RETURNING id`])).length > 0,

    wakeSubscription: async (id, now) => (await db.once(sql`UPDATE subscriptions SET next_attempt_at = ${now}
        WHERE id = ${id} AND status <> 'off' RETURNING id`)).length > 0,

    releaseLease: async (id) => {
      await db.once(sql`UPDATE subscriptions SET leased_until = NULL, leased_by = NULL WHERE id = ${id} AND leased_by = ${owner}`);
    },

    deleteSubscription: (id) => db.atomically(async (tx) => {
      await tx.query(moveCatalog);
      await tx.query(sql`DELETE FROM subscription_events WHERE subscription_id = ${id}`);
      await tx.query(sql`DELETE FROM subscription_delivery_attempts WHERE subscription_id = ${id}`);
      return (await tx.query(sql`DELETE FROM subscriptions WHERE id = ${id} RETURNING id`)).length > 0;
    }),

    catalog: async () => {
      const rows = await db.read.query(sql`SELECT c.version AS catalog_version, s.* FROM subscription_catalog c
        LEFT JOIN subscriptions s ON s.status <> 'off' WHERE c.id = 1`);
      return { version: String(rows[0]?.catalog_version ?? '0'), subscriptions: rows.filter((r) => r.id !== null && r.id !== undefined).map(subscriptionOf) };
    },

    readCursor: async (matcher) => {
      const row = (await db.read.query(sql`SELECT position FROM subscription_matcher_cursors WHERE name = ${matcher}`))[0];
      return row ? String(row.position) : '';
    },

    recordEvents: async (matcher, from, to, events, now) => (await recordEvents(matcher, from, to, events, now)).events,
    recordEventsClaiming: recordEvents,

    // One statement; on PostgreSQL the due rows are locked (others skip them) until it ends.
    claimDue: async (now, leaseUntil, limit) => (await db.once(sql`WITH due AS MATERIALIZED (SELECT id FROM subscriptions
        WHERE next_attempt_at <= ${now} AND status <> 'off' AND ${leaseFree(now)}
        ORDER BY next_attempt_at LIMIT ${limit} ${skipLocked})
      UPDATE subscriptions SET leased_until = ${leaseUntil}, leased_by = ${owner} WHERE id IN (SELECT id FROM due) RETURNING *`)).map(subscriptionOf),

    eventsAfter: async (id, afterNumber, limit) => (await db.read.query(sql`SELECT * FROM subscription_events
      WHERE subscription_id = ${id} AND event_number > ${afterNumber} ORDER BY event_number LIMIT ${limit}`)).map(eventOf),
    eventsWithFocusAfter: async (id, afterNumber, limit) => (await db.read.query(eventsWithFocus(sql`${id}`, sql`${afterNumber}`, limit))).map(eventWithFocusOf),
    eventsBetween: async (id, since, until) => (await db.read.query(sql`SELECT * FROM subscription_events
      WHERE subscription_id = ${id} AND event_number >= ${since} AND event_number <= ${until} ORDER BY event_number`)).map(eventOf),

    finishDelivery: async (id, o) => {
      const before: Sql[] = [];
      if (o.disclosure) before.push(insertDisclosures([o.disclosure]));
      if (o.attempt) before.push(insertAttempt(o.attempt));
      if (o.delivered !== undefined) {
        before.push(sql`UPDATE subscription_events SET delivered_at = ${o.delivered.at}
          WHERE subscription_id = ${id} AND event_number > ${o.delivered.after} AND event_number <= ${o.lastDelivered} AND delivered_at IS NULL`);
      }
      // Pending after this round: a status the subscriber did not change under it, and events past what was delivered.
      const keep = o.keepLeaseUntil !== undefined && o.continueIfPending;
      const pending = sql`NOT (status IN ('off', 'requested') AND status <> CAST(${o.claimedStatus} AS TEXT)) AND events_since_start > ${o.lastDelivered}`;
      // The subscriber may have changed the status while we were sending (off, requested): keep theirs.
      const outcome = sql`UPDATE subscriptions SET
        status = CASE WHEN status IN ('off', 'requested') AND status <> CAST(${o.claimedStatus} AS TEXT) THEN status ELSE CAST(${o.status} AS TEXT) END,
        error = CASE WHEN status IN ('off', 'requested') AND status <> CAST(${o.claimedStatus} AS TEXT) THEN error ELSE ${o.error} END, failing_since = ${o.failingSince}, failures = ${o.failures},
        last_delivered = CASE WHEN last_delivered > ${o.lastDelivered} THEN last_delivered ELSE CAST(${o.lastDelivered} AS BIGINT) END,
        last_sent_at = COALESCE(${o.lastSentAt}, last_sent_at),
        next_attempt_at = CASE WHEN ${o.continueIfPending ? 1 : 0} = 1 AND events_since_start > ${o.lastDelivered} THEN CAST(${o.now} AS BIGINT)
          WHEN events_since_start > CAST(${o.seenUpTo ?? Number.MAX_SAFE_INTEGER} AS BIGINT) THEN CAST(${o.now} AS BIGINT)
          WHEN status = 'requested' AND CAST(${o.claimedStatus} AS TEXT) <> 'requested' THEN CAST(${o.now} AS BIGINT)
          ELSE CAST(${o.nextAttemptAt} AS BIGINT) END,
        leased_until = CASE WHEN ${keep ? 1 : 0} = 1 AND ${pending} THEN CAST(${o.keepLeaseUntil ?? null} AS BIGINT) ELSE NULL END,
        leased_by = CASE WHEN ${keep ? 1 : 0} = 1 AND ${pending} THEN ${owner} ELSE NULL END, updated_at = ${o.now}
        WHERE id = ${id} RETURNING *`;
      // PostgreSQL: with the lease kept, the next round's events in the same statement (DeliveryOutcome.upcoming).
      const withUpcoming = engine === 'postgres' && keep && o.upcoming !== undefined;
      const rows = await allAtOnce(withUpcoming ? [...before, outcome, sql`SELECT k.*, up.* FROM ${raw(`w${before.length}`)} k
        LEFT JOIN LATERAL (${eventsWithFocus(raw('k.id'), raw('k.last_delivered'), o.upcoming!)}) up ON k.leased_by = ${owner}`] : [...before, outcome]);
      // Still ours only when the lease was kept; released, the next round is the next claim's.
      if (!rows[0] || rows[0].leased_by !== owner) return undefined;
      const kept = subscriptionOf(rows[0]);
      return withUpcoming ? { ...kept, upcoming: rows.filter((r) => r.event_number !== null && r.event_number !== undefined).map(eventWithFocusOf) } : kept;
    },

    recordAttempt: async (a) => {
      await db.once(insertAttempt(a));
    },
    attemptsOf: async (id, limit) => (await db.read.query(sql`SELECT * FROM subscription_delivery_attempts WHERE subscription_id = ${id}
      ORDER BY attempted_at DESC LIMIT ${limit}`)).map(attemptOf),

    liveSubscriptionGrants: async (grantIds) => {
      if (grantIds?.length === 0) return [];
      const only = grantIds ? sql` AND grant_id IN (${join(grantIds.map((g) => sql`${g}`), ', ')})` : raw('');
      return (await db.read.query(sql`SELECT id, grant_id FROM subscriptions WHERE status <> 'off' AND grant_id IS NOT NULL${only} ORDER BY grant_id`))
        .map((r) => ({ id: String(r.id), grantId: String(r.grant_id) }));
    },
    // A round in flight keeps this: finishDelivery keeps a status (and error) changed under it.
    turnOff: async (id, error, now) => (await db.once(sql`UPDATE subscriptions SET status = 'off', error = ${error},
        next_attempt_at = NULL, updated_at = ${now} WHERE id = ${id} AND status <> 'off' RETURNING id`)).length > 0,

    backlog: async () => {
      const rows = await db.read.query(sql`SELECT status, COUNT(*) AS n, SUM(events_since_start - last_delivered) AS owed FROM subscriptions GROUP BY status`);
      const subscriptionsByStatus: Record<string, number> = {};
      let undeliveredEvents = 0;
      for (const row of rows) {
        subscriptionsByStatus[String(row.status)] = num(row.n);
        if (row.status !== 'off') undeliveredEvents += num(row.owed ?? 0);
      }
      return { undeliveredEvents, subscriptionsByStatus };
    },

    pruneBefore: (before) => db.atomically(async (tx) => {
      // Delivered events, and events no round will send any more — skipped by a re-handshake, or of
      // a subscription that is off — once as old; never an event still owed to a live subscription.
      const events = await tx.query(sql`DELETE FROM subscription_events WHERE (delivered_at IS NOT NULL AND delivered_at < ${before})
        OR (delivered_at IS NULL AND recorded_at < ${before} AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = subscription_events.subscription_id
          AND (s.status = 'off' OR subscription_events.event_number <= s.last_delivered))) RETURNING 1 AS gone`);
      const attempts = await tx.query(sql`DELETE FROM subscription_delivery_attempts WHERE attempted_at < ${before} RETURNING 1 AS gone`);
      return events.length + attempts.length;
    }),
  };
}

/** A subscription's events after a number, each with its focus version (LEFT JOIN: null when not stored). */
function eventsWithFocus(id: Sql, afterNumber: Sql, limit: number): Sql {
  return sql`SELECT e.*, v.last_updated AS focus_last_updated, v.deleted AS focus_deleted, v.content AS focus_content, v.version_id AS focus_found
    FROM subscription_events e LEFT JOIN resource_versions v
      ON v.resource_type = e.focus_type AND v.id = e.focus_id AND v.version_id = e.focus_version
    WHERE e.subscription_id = ${id} AND e.event_number > ${afterNumber} ORDER BY e.event_number LIMIT ${limit}`;
}

function eventWithFocusOf(r: Row): EventRecord {
  return {
    ...eventOf(r),
    focus: r.focus_found === null || r.focus_found === undefined ? null
      : { lastUpdated: num(r.focus_last_updated), deleted: Number(r.focus_deleted) === 1, json: textOrNull(r.focus_content) },
  };
}

function insertAttempt(a: DeliveryAttempt): Sql {
  return sql`INSERT INTO subscription_delivery_attempts (subscription_id, attempted_at, kind, first_event,
    last_event, ok, status_code, latency_ms, error) VALUES (${a.subscriptionId}, ${a.attemptedAt}, ${a.kind}, ${a.firstEvent},
    ${a.lastEvent}, ${a.ok ? 1 : 0}, ${a.statusCode}, ${a.latencyMs}, ${a.error})`;
}
