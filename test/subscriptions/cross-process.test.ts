import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore, type Store } from '../../src/storage/index.js';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { createPgDatabase, testEngines } from '../harness/engines.js';
import { CHANGES_CHANNEL, HELLO } from '../../src/subscriptions/cross-process-wake.js';
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

  it('a subscription created through another process is matched from its first change (the matchers keep their catalog in memory)', async () => {
    // A and B matched changes above with the subscriptions they had read; a third is created now.
    await subscribe(engines[1]!, subscription(endpoint, 'Condition?patient=Patient/late1'));
    await receiver.until(() => receiver.of('handshake').length === 3, 5000);
    const before = receiver.events().length;
    await write(stores[2]!, condition('late-c1', 'late1', 'problem-list-item'), engines[2]);
    await write(stores[0]!, condition('late-c2', 'late1', 'problem-list-item'), engines[0]);
    await receiver.until(() => receiver.events().length >= before + 2, 5000);
    const late = receiver.received.filter((r) => r.type === 'event-notification' && r.bundle.entry.slice(1).some((e) => e.fullUrl.includes('late-c')));
    assert.deepEqual(late.flatMap((r) => r.bundle.entry.slice(1).map((e) => e.fullUrl.replace(/.*\/Condition\/([^/]+).*/, '$1'))), ['late-c1', 'late-c2']);
  });
});

/**
 * A process alone on its database sends no NOTIFY per commit (a round trip and a wake-up for no
 * one); once a second one listens, the two know of each other (hello, answered at once) and every
 * commit is announced again.
 */
describe('an engine alone announces nothing; a second one is told of commits at once', { skip: !testEngines().includes('postgres') && 'PostgreSQL not available' }, () => {
  let drop: () => Promise<void>;
  const stores: Store[] = [];
  const engines: SubscriptionEngine[] = [];
  const listener = { client: undefined as pg.Client | undefined, commits: 0, hellos: 0 };

  before(async () => {
    const db = await createPgDatabase();
    drop = db.drop;
    for (let i = 0; i < 2; i++) stores.push(openStore(db.url, { sqliteSynchronous: 'normal', poolSize: 5 }));
    await stores[0]!.migrate();
    for (const store of stores) engines.push(newEngine(store, { pollMs: 60_000 }));
    // The test listens as an observer (it never says hello, so it is no one's peer).
    listener.client = new pg.Client({ connectionString: db.url });
    await listener.client.connect();
    listener.client.on('notification', (message) => {
      if (message.payload?.startsWith(HELLO)) listener.hellos++;
      else listener.commits++;
    });
    await listener.client.query(`LISTEN ${CHANGES_CHANNEL}`);
  });
  after(async () => {
    for (const engine of engines) await engine.stop();
    for (const store of stores) await store.close();
    await listener.client?.end();
    await drop();
  });

  it('alone: commits are not announced', async () => {
    engines[0]!.start();
    await engines[0]!.listening();
    await until(() => listener.hellos >= 1, 5000);
    for (let i = 0; i < 5; i++) await write(stores[0]!, condition(`alone-${i}`, 'p1', 'problem-list-item'), engines[0]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(listener.commits, 0, 'no NOTIFY for commits while no other engine listens');
  });

  it('with a second engine listening: each knows the other at once, and each announces its commits', async () => {
    engines[1]!.start();
    await engines[1]!.listening();
    // B's hello, A's answer, B's answer to A: three hellos more, within round trips.
    await until(() => listener.hellos >= 4, 5000);
    await write(stores[0]!, condition('shared-a', 'p2', 'problem-list-item'), engines[0]);
    await until(() => listener.commits >= 1, 2000);
    await write(stores[1]!, condition('shared-b', 'p2', 'problem-list-item'), engines[1]);
    await until(() => listener.commits >= 2, 2000);
  });
});

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
