import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { openStore, type DisclosureBatchRows, type DisclosureRecord, type Store, type StoreTransaction } from '../../src/storage/index.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/**
 * A batch of the disclosure log is prepared with nothing held, then locked, written as resources
 * and marked in one transaction (consent-records.ts `materializeDisclosures`): the AuditEvents and
 * the mark commit together or not at all, and two materializations at once (two processes on
 * PostgreSQL) never write the same row.
 */
for (const engine of testEngines()) {
  describe(`disclosure batches [${engine}]`, () => {
    const testStore = useTestStore(engine);
    const grantId = `grant-${randomUUID()}`;
    const row = (id: string): DisclosureRecord => ({ id, recordedAt: Date.now(), grantId, clientId: 'client', consentId: null, kind: 'read',
      detail: '{}', resources: '["Patient/p1"]', materializedAt: null });
    const write = (tx: StoreTransaction, id: string) => tx.writeVersion({
      resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id }), index: null });
    const ids = (batch: DisclosureBatchRows) => batch.records.map((r) => r.id);
    const pendingIds = async (store = testStore()) => (await store.consent.pendingDisclosures(1000)).filter((r) => r.grantId === grantId).map((r) => r.id);
    const materialize = (batchId: string, writeBatch: (batch: DisclosureBatchRows, tx: StoreTransaction) => Promise<void>, limit = 10, store = testStore()) =>
      store.consent.materializeDisclosures(batchId, limit, Date.now(), 0, { prepare: async () => undefined, write: (batch, _prepared, tx) => writeBatch(batch, tx) });
    /** Takes everything pending and does nothing with it. */
    const drain = async () => { while ((await materialize(randomUUID(), async () => undefined, 1000)).taken > 0); };

    test('what the work writes and the mark commit together', async () => {
      await drain();
      await testStore().consent.recordDisclosures([row('d-1'), row('d-2')]);
      const taken: string[] = [];
      const pass = await materialize('batch-1', async (batch, tx) => {
        taken.push(...ids(batch));
        await write(tx, 'event-of-batch-1');
      });
      assert.deepEqual(pass, { batchId: 'batch-1', taken: 2 });
      assert.deepEqual(taken, ['d-1', 'd-2']);
      assert.ok(await testStore().readCurrent('Basic', 'event-of-batch-1'), 'the work\'s write committed');
      assert.deepEqual(await pendingIds(), [], 'the rows are marked');
      assert.equal((await materialize('batch-2', async () => assert.fail('nothing waits'))).taken, 0);
    });

    test('a work that fails (a crash mid-batch) leaves its rows pending and writes nothing', async () => {
      await drain();
      await testStore().consent.recordDisclosures([row('f-1')]);
      await assert.rejects(materialize('failing', async (_batch, tx) => {
        await write(tx, 'event-of-failing');
        await write(tx, 'second-event-of-failing');
        throw new Error('the materializer died');
      }), /died/);
      assert.equal(await testStore().readCurrent('Basic', 'event-of-failing'), undefined, 'no AuditEvent of a batch that did not commit');
      assert.deepEqual(await pendingIds(), ['f-1']);
      const again: string[] = [];
      await materialize('retry', async (batch) => { again.push(...ids(batch)); });
      assert.deepEqual(again, ['f-1'], 'taken again by the next pass');
      assert.deepEqual(await pendingIds(), []);
    });

    test('two materializations at once never write the same row, and every row is written once', async () => {
      await drain();
      await testStore().consent.recordDisclosures(['c-1', 'c-2', 'c-3', 'c-4'].map(row));
      let secondDone!: () => void;
      const doneSecond = new Promise<void>((resolve) => { secondDone = resolve; });
      // Both read the same two oldest rows; on PostgreSQL the first holds them locked until the
      // second has finished (it skips them); SQLite's one writer runs them one after the other.
      const hold = engine === 'postgres' ? doneSecond : Promise.resolve();
      const written: string[] = [];
      const first = materialize('first', async (batch) => { await hold; written.push(...ids(batch)); }, 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = materialize('second', async (batch) => { written.push(...ids(batch)); }, 2).finally(secondDone);
      await Promise.all([first, second]);
      while ((await materialize(randomUUID(), async (batch) => { written.push(...ids(batch)); }, 2)).taken > 0);
      assert.deepEqual(written.sort(), ['c-1', 'c-2', 'c-3', 'c-4']);
      assert.deepEqual(await pendingIds(), []);
    });

    test('until its work writes, a materialization holds back no change of the log (PostgreSQL: no transaction id yet)', async () => {
      await drain();
      await testStore().consent.recordDisclosures([row('h-1')]);
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      let taking!: () => void;
      const taken = new Promise<void>((resolve) => { taking = resolve; });
      const pass = materialize('holding', async (_batch, tx) => {
        taking();
        await released; // preparing its AuditEvents, say
        await write(tx, 'event-of-holding');
      });
      await taken;
      // SQLite's one writer would wait for the materialization: there the log cannot be held back.
      if (engine === 'postgres') {
        await testStore().transaction((tx) => write(tx, 'committed-meanwhile'));
        const batch = await testStore().readChanges(null, 100_000);
        assert.ok(batch.changes.some((c) => c.id === 'committed-meanwhile'), 'a change committed meanwhile is read at once');
        assert.equal(batch.heldBack ?? false, false);
      }
      release();
      assert.equal((await pass).taken, 1);
    });
  });

  describe(`disclosure batches on a one-connection pool [${engine}]`, () => {
    let store: Store | undefined;
    let drop: (() => Promise<void>) | undefined;
    after(async () => {
      await store?.close();
      await drop?.();
    });

    test('a batch whose preparation reads through the store completes (nothing is held while it reads)', async () => {
      const created = await createTestDatabase(engine);
      drop = created.drop;
      store = openStore(created.url, { sqliteSynchronous: 'normal', poolSize: 1 });
      await store.migrate();
      const s = store;
      await s.consent.recordDisclosures([{ id: 'p-1', recordedAt: Date.now(), grantId: 'g', clientId: 'c', consentId: null, kind: 'read',
        detail: '{}', resources: '["Patient/p1"]', materializedAt: null }]);
      const pass = s.consent.materializeDisclosures('one-connection', 10, Date.now(), 0, {
        // The real preparation reads grants, clients and versions through the store, as this does.
        prepare: async () => (await s.readCurrent('Patient', 'p1')) === undefined,
        write: async (_batch, missing, tx) => { if (missing) await tx.writeVersion({ resourceType: 'Basic', id: 'event', versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic","id":"event"}', index: null }); },
      });
      const outcome = await Promise.race([pass, new Promise((resolve) => setTimeout(() => resolve('hung'), 5000))]);
      assert.deepEqual(outcome, { batchId: 'one-connection', taken: 1 });
      assert.ok(await s.readCurrent('Basic', 'event'));
    });
  });
}
