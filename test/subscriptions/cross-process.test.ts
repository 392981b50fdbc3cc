import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore, type Store } from '../../src/storage/index.js';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { createPgDatabase, testEngines } from '../harness/engines.js';
import { condition, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver } from './receiver.js';

/**
 * ARCHITECTURE.md "Scaling out": server processes on one PostgreSQL wake each other through
 * LISTEN/NOTIFY. Three stores (three pools, as three processes would have) on one database; the
 * engines poll only once a minute here, so prompt delivery proves the wake-up came by NOTIFY.
 */
describe('engines on one PostgreSQL wake each other (LISTEN/NOTIFY)', { skip: !testEngines().includes('postgres') && 'PostgreSQL not available' }, () => {
  let drop: () => Promise<void>;
  let url = '';
  const stores: Store[] = [];
  const engines: SubscriptionEngine[] = [];
  const receiver = new Receiver();
  let endpoint = '';

  before(async () => {
    const db = await createPgDatabase();
    drop = db.drop;
    url = db.url;
    for (let i = 0; i < 3; i++) stores.push(openStore(db.url, { sqliteSynchronous: 'normal', poolSize: 5 }));
    await stores[0]!.migrate();
    // A and B run; C only writes and announces its commits, as a process busy serving requests would.
    for (const store of stores) engines.push(newEngine(store, { pollMs: 60_000 }));
    engines[0]!.start();
    engines[1]!.start();
    await Promise.all(engines.map((e) => e.listening()));
    endpoint = await receiver.start();
  });
  after(async () => {
    for (const engine of engines) await engine.stop();
    for (const store of stores) await store.close();
    await receiver.stop();
    await drop();
  });

  it('a commit announced by another process is matched and delivered at once, not at the next poll', async () => {
    await subscribe(engines[0]!, subscription(endpoint, 'Condition?patient=Patient/x1'));
    await receiver.until(() => receiver.of('handshake').length === 1, 5000);
    const started = Date.now();
    await write(stores[2]!, condition('c0', 'x1', 'problem-list-item'), engines[2]);
    await receiver.until(() => receiver.events().includes(1), 5000);
    assert.ok(Date.now() - started < 5000, 'delivered long before the one-minute poll');
  });

  it('concurrent writes through three processes: every event numbered once, in order, each change once', async () => {
    const writes = [];
    for (let i = 1; i <= 30; i++) writes.push(write(stores[i % 3]!, condition(`c${i}`, 'x1', 'problem-list-item'), engines[i % 3]));
    await Promise.all(writes);
    await receiver.until(() => receiver.events().length >= 31, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const numbers = receiver.events();
    assert.deepEqual(numbers, Array.from({ length: 31 }, (_, i) => i + 1), 'numbers 1..31, each once, in order');
    const focuses = receiver.received.filter((r) => r.type === 'event-notification')
      .flatMap((r) => r.bundle.entry.slice(1).map((e) => e.fullUrl.replace(/\/_history\/\d+$/, '')));
    assert.equal(new Set(focuses).size, 31, 'each change was one event');
  });

  it('a change held back behind a long transaction is matched soon after it ends, not at the next poll', async () => {
    await subscribe(engines[0]!, subscription(endpoint, 'Condition?patient=Patient/held1'));
    await receiver.until(() => receiver.of('handshake').length === 2, 5000);
    const before = receiver.events().length;
    // Any open transaction with an id holds the change log back (ADR 0001: xid < xmin).
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await write(stores[0]!, condition('held-c1', 'held1', 'problem-list-item'), engines[0]);
      await new Promise((resolve) => setTimeout(resolve, 2200));
      assert.equal(receiver.events().length, before, 'held back while the older transaction runs');
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    const released = Date.now();
    await receiver.until(() => receiver.events().length > before, 5000);
    // The matcher's look-again interval doubles while held back but stays short (it reached ~2 s here before).
    assert.ok(Date.now() - released < 600, `matched ${Date.now() - released} ms after the older transaction ended`);
  });
});
