import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger, newId, systemClock } from '../src/base/index.js';
import type { Resource } from '../src/model/index.js';
import { openStore } from '../src/storage/index.js';
import { createSubscriptionEngine, type SubscriptionEngine } from '../src/subscriptions/index.js';
import { OPEN_ACCESS } from '../src/access/index.js';
import { write } from '../test/subscriptions/engine-harness.js';

/**
 * Where a notification's time goes inside the server, without HTTP: changes written the way the
 * FHIR write path writes them (one transaction each, then `notifyCommitted`) at a steady rate,
 * the engine's rest-hook sender replaced by a stub that answers at once. Reports the time from
 * each commit to the moment its notification is handed to the sender, and every SQL statement
 * the engine ran, by kind, per change.
 *
 *   node --import tsx bench/matcher-probe.ts [sqlite|postgres] [writes/s] [seconds]
 *   node --import tsx bench/matcher-probe.ts postgres batch [changes]   (one matcher pass over a backlog)
 */
const engineName = process.argv[2] ?? 'postgres';
const rate = Number(process.argv[3] ?? 200);
const seconds = Number(process.argv[4] ?? 3);
const PG_ADMIN = process.env.HANDOVER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FHIR_BASE = 'http://127.0.0.1:9/fhir';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';

/** Statement kinds, by the first pattern their text matches. */
const KINDS: [string, RegExp][] = [
  ['write: version CTE', /^WITH r AS/],
  ['write: read for update', /FROM resources WHERE resource_type = \$1 AND id = \$2 FOR UPDATE/],
  ['matcher: readChanges', /pg_snapshot_xmin/],
  ['matcher: held-back probe', /SELECT 1 FROM resource_versions WHERE \(xid, seq\)/],
  ['record: all in one', /WITH moved AS/],
  ['deliver: claimDue', /leased_until IS NULL OR leased_until/],
  ['matcher: readCursor', /SELECT position FROM subscription_matcher_cursors/],
  ['matcher: catalog', /FROM subscription_catalog c/],
  ['matcher: versions', /FROM resource_versions/],
  ['matcher: candidates', /SELECT \* FROM subscriptions WHERE topic_url IN/],
  ['record: cursor', /subscription_matcher_cursors/],
  ['record: count event', /events_since_start = events_since_start \+/],
  ['record: insert event', /INSERT INTO subscription_events/],
  ['deliver: claimDue', /leased_until IS NULL OR leased_until|SET leased_until = /],
  ['deliver: eventsAfter', /FROM subscription_events\s+WHERE subscription_id = \$1 AND event_number > /],
  ['deliver: finish', /subscription_delivery_attempts|SET delivered_at|last_sent_at = COALESCE/],
  ['tx: BEGIN/COMMIT', /^(BEGIN|COMMIT|ROLLBACK)$/],
  ['signals: NOTIFY', /pg_notify|^NOTIFY/],
];

/** Who runs a statement: the matcher's pass, a delivery round, or the writers (set around each). */
const role = new AsyncLocalStorage<string>();
const counts = new Map<string, { n: number; ms: number }>();
const byRole = new Map<string, number>();
function count(text: string, ms: number, who: string): void {
  const kind = KINDS.find(([, re]) => re.test(text))?.[0] ?? `other: ${text.replace(/\s+/g, ' ').slice(0, 60)}`;
  const c = counts.get(kind) ?? { n: 0, ms: 0 };
  c.n++;
  c.ms += ms;
  counts.set(kind, c);
  const key = kind.startsWith('signals') ? 'signals' : who;
  byRole.set(key, (byRole.get(key) ?? 0) + 1);
}

// PostgreSQL: every statement of every pooled client goes through Client#query.
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string };
  const text = typeof first === 'string' ? first : first?.text ?? '';
  const started = performance.now();
  const who = role.getStore() ?? 'other';
  // Pool#query calls Client#query with a callback; a client in a transaction, without.
  const callback = args[args.length - 1];
  if (typeof callback === 'function') {
    args[args.length - 1] = (...results: unknown[]) => {
      count(text, performance.now() - started, who);
      return (callback as (...r: unknown[]) => unknown)(...results);
    };
    return original.apply(this, args);
  }
  const result = original.apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    void (result as Promise<unknown>).then(() => count(text, performance.now() - started, who), () => count(text, performance.now() - started, who));
  }
  return result;
};

async function openDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (engineName === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'handover-probe-'));
    return { url: `sqlite:${join(dir, 'probe.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `handover_probe_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: PG_ADMIN });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

const condition = (id: string, patient: string): Resource & { id: string } => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
  code: { text: 'something' },
});

async function main(): Promise<void> {
  const database = await openDatabase();
  const store = openStore(database.url, { sqliteSynchronous: 'normal', poolSize: 10 });
  await store.migrate();
  const sent = new Map<string, number>();
  // When each change's events were recorded, and how the matcher's passes went.
  const recordedAt = new Map<string, number>();
  const recordEvents = store.subscriptions.recordEvents.bind(store.subscriptions);
  store.subscriptions.recordEvents = async (...args) => {
    const result = await recordEvents(...args);
    const at = performance.now();
    for (const e of result) if (!recordedAt.has(e.focusId)) recordedAt.set(e.focusId, at);
    batches.push(args[3].length);
    return result;
  };
  const batches: number[] = [];
  let heldBack = 0;
  const readChanges = store.readChanges.bind(store);
  store.readChanges = async (...args) => {
    const result = await readChanges(...args);
    if (result.heldBack) heldBack++;
    reads++;
    return result;
  };
  let reads = 0;
  let notifications = 0;
  const engine: SubscriptionEngine = createSubscriptionEngine({
    store, clock: systemClock, log: createLogger('silent'), options: { mode: 'sandbox', fhirBase: FHIR_BASE },
    send: async (request) => {
      const at = performance.now();
      notifications++;
      const bundle = JSON.parse(request.body) as { entry: { fullUrl?: string }[] };
      for (const entry of bundle.entry.slice(1)) {
        const id = entry.fullUrl?.split('/').pop();
        if (id && !sent.has(id)) sent.set(id, at);
      }
      return { ok: true, statusCode: 200, latencyMs: 0, error: null };
    },
  });
  // The engine's two loops call these; the rounds deliverOnce starts inherit its role.
  const matchOnce = engine.matchOnce.bind(engine);
  engine.matchOnce = () => role.run('matcher', matchOnce);
  const deliverOnce = engine.deliverOnce.bind(engine);
  engine.deliverOnce = () => role.run('delivery', deliverOnce);
  engine.start();
  await engine.listening();
  const patient = newId();
  const subscription = {
    resourceType: 'Subscription', status: 'requested', reason: 'probe', criteria: 'http://handover.example/fhir/SubscriptionTopic/problem-list-changed',
    _criteria: { extension: [{ url: `${BACKPORT}backport-filter-criteria`, valueString: `Condition?patient=Patient/${patient}` }] },
    channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json',
      extension: [{ url: `${BACKPORT}backport-max-count`, valuePositiveInt: 50 }],
      _payload: { extension: [{ url: `${BACKPORT}backport-payload-content`, valueCode: 'id-only' }] } },
  } as Resource;
  for (let i = 0; i < 2; i++) await engine.onSubscriptionWritten(newId(), await engine.validateSubscription(subscription, OPEN_ACCESS));
  await new Promise((resolve) => setTimeout(resolve, 500)); // handshakes
  counts.clear();
  byRole.clear();
  notifications = 0;

  if (process.argv[3] === 'batch') {
    // One matcher pass over a backlog of n changes (creates, then updates of them): its statements.
    const n = Number(process.argv[4] ?? 50);
    await engine.stop();
    for (let i = 0; i < n; i++) await role.run('write', () => write(store, condition(`b${i % Math.ceil(n / 2)}`, patient)));
    counts.clear();
    byRole.clear();
    const recorded = await engine.matchOnce();
    console.log(`${engineName}: one matcher pass over ${n} changes (${recorded} events): ${byRole.get('matcher') ?? 0} statements`);
    for (const [kind, c] of [...counts].sort((a, b) => b[1].n - a[1].n)) console.log(`  ${kind.padEnd(40)} ${String(c.n).padStart(6)}`);
    await store.close();
    await database.drop();
    return;
  }
  const total = rate * seconds;
  const committed = new Map<string, number>();
  const writes: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = newId();
    writes.push(role.run('write', () => write(store, condition(id, patient))).then(() => {
      committed.set(id, performance.now());
      engine.notifyCommitted();
    }));
  }
  await Promise.all(writes);
  const deadline = performance.now() + 30_000;
  while (sent.size < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const stage = (from: (id: string) => number | undefined, to: (id: string) => number | undefined) => {
    const values = [...committed.keys()].map((id) => (to(id) ?? Number.NaN) - (from(id) ?? Number.NaN)).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const at = (p: number) => values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]?.toFixed(1);
    return `p50 ${at(50)} ms, p99 ${at(99)} ms`;
  };
  console.log(`commit → recorded ${stage((id) => committed.get(id), (id) => recordedAt.get(id))}; recorded → send ${stage((id) => recordedAt.get(id), (id) => sent.get(id))}`);
  console.log(`matcher: ${reads} change-log reads (${heldBack} held back), ${batches.length} batches recorded, mean ${(batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length) / 2).toFixed(1)} changes each`);
  const lat = [...committed].map(([id, at]) => (sent.get(id) ?? Number.NaN) - at).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]?.toFixed(1);
  console.log(`${engineName}: ${total} writes at ${rate}/s, ${lat.length}/${total} handed to the sender; commit → send p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms; ${notifications} notifications (2 subscriptions)`);
  if (engineName === 'postgres') {
    console.log('statements by kind: count, per change, mean ms');
    for (const [kind, c] of [...counts].sort((a, b) => b[1].n - a[1].n)) {
      console.log(`  ${kind.padEnd(40)} ${String(c.n).padStart(6)}  ${(c.n / total).toFixed(2).padStart(6)}  ${(c.ms / c.n).toFixed(2)}`);
    }
    const per = (who: string) => ((byRole.get(who) ?? 0) / total).toFixed(2);
    console.log(`statements per change (BEGIN/COMMIT included): matcher ${per('matcher')}, delivery ${per('delivery')}, writers ${per('write')}, NOTIFY ${per('signals')}, other ${per('other')}`);
  }
  await engine.stop();
  await store.close();
  await database.drop();
}

await main();
