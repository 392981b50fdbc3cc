import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openStore, StorageBusy, type Store } from '../../src/storage/index.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/** Concurrent transactions are isolated from each other's failures (SQLite commits them in groups). */
for (const engine of testEngines()) {
  describe(`concurrent transactions [${engine}]`, () => {
    const testStore = useTestStore(engine);

    test('a failing transaction rolls back alone; the others commit and are acknowledged', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => testStore().transaction(async (tx) => {
        await tx.writeVersion({ resourceType: 'Basic', id: `g-${i}`, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id: `g-${i}` }), index: null });
        if (i % 3 === 0) throw new Error(`refused ${i}`);
        return i;
      })));
      outcomes.forEach((outcome, i) => {
        assert.equal(outcome.status, i % 3 === 0 ? 'rejected' : 'fulfilled', `transaction ${i}`);
      });
      for (let i = 0; i < 30; i++) {
        const stored = await testStore().readCurrent('Basic', `g-${i}`);
        assert.equal(stored !== undefined, i % 3 !== 0, `g-${i} stored only if its transaction succeeded`);
      }
    });

    test('a unique-key conflict fails only the transaction that caused it', async () => {
      const write = (id: string) => testStore().transaction((tx) => tx.writeVersion({ resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic"}', index: null }));
      const outcomes = await Promise.allSettled([write('dup'), write('dup'), write('solo')]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 2);
      assert.ok(await testStore().readCurrent('Basic', 'solo'));
    });

    test('a write is seen by the later statements of its own transaction', async () => {
      const seen = await testStore().transaction(async (tx) => {
        await tx.writeVersion({ resourceType: 'Basic', id: 'own', versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic","id":"own"}', index: null });
        return (await tx.readCurrent('Basic', 'own'))?.versionId;
      });
      assert.equal(seen, 1);
    });

    test('a first write and a second that fails are undone together', async () => {
      const basic = (id: string) => ({ resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id }), index: null });
      await testStore().transaction((tx) => tx.writeVersion(basic('taken')));
      // PostgreSQL holds a transaction's first write back while it may be the only statement (one
      // round trip alone); the second statement must then run it inside the transaction, not alone.
      await assert.rejects(testStore().transaction(async (tx) => {
        await tx.writeVersion(basic('first'));
        await tx.writeVersion(basic('taken'));
      }));
      assert.equal(await testStore().readCurrent('Basic', 'first'), undefined, 'the first write is rolled back with the second');
    });

    test('a read after a commit sees it, even when a read in the same event-loop turn began a snapshot before the commit', async () => {
      const store = testStore();
      const basic = (versionId: number) => ({ resourceType: 'Basic', id: 'turn', versionId, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id: 'turn', meta: { versionId: String(versionId) } }), index: null });
      await store.transaction((tx) => tx.writeVersion(basic(1)));
      let during: number | undefined;
      await store.transaction(async (tx) => {
        await tx.writeVersion(basic(2));
        // A read outside the transaction while it is open: it sees version 1 (SQLite keeps that
        // snapshot for the rest of the turn; the commit follows in this same turn).
        during = (await store.readCurrent('Basic', 'turn'))?.versionId;
      });
      const after = await store.readCurrent('Basic', 'turn');
      assert.equal(during, 1, 'an uncommitted version is not seen outside its transaction');
      assert.equal(after?.versionId, 2, 'the read after the commit sees version 2');
    });
  });
}

/**
 * A pooled connection is waited for at most `poolWaitMs` (PostgreSQL): a transaction that reads
 * through the pool while holding the only connection fails busy and rolls back — it does not hang
 * the store (and every request after it).
 */
describe('waiting for a pooled connection [postgres]', { skip: !testEngines().includes('postgres') && 'PostgreSQL is not reachable' }, () => {
  let store: Store | undefined;
  let drop: (() => Promise<void>) | undefined;
  after(async () => {
    await store?.close();
    await drop?.();
  });

  test('a read through the pool from inside a transaction on a one-connection pool fails busy, and the store goes on', { timeout: 10_000 }, async () => {
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    store = openStore(created.url, { sqliteSynchronous: 'normal', poolSize: 1, poolWaitMs: 300 });
    await store.migrate();
    const s = store;
    const started = Date.now();
    await assert.rejects(s.transaction(async (tx) => {
      await tx.writeVersion({ resourceType: 'Basic', id: 'held', versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic","id":"held"}', index: null });
      await tx.readCurrent('Basic', 'held'); // the transaction now holds the pool's one connection
      await s.readCurrent('Basic', 'other'); // … and waits for another
    }), (error: unknown) => error instanceof StorageBusy);
    assert.ok(Date.now() - started < 5000, `failed after ${Date.now() - started} ms`);
    assert.equal(await s.readCurrent('Basic', 'held'), undefined, 'rolled back');
    await s.transaction((tx) => tx.writeVersion({ resourceType: 'Basic', id: 'after', versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic","id":"after"}', index: null }));
    assert.ok(await s.readCurrent('Basic', 'after'), 'the store goes on');
  });
});
