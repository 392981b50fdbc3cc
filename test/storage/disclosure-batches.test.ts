import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { DisclosureRecord, StoreTransaction } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/**
 * A batch of the disclosure log is taken, written as resources and marked in one transaction
 * (consent-records.ts `materializeDisclosures`): the AuditEvents and the mark commit together or
 * not at all, and two materializations at once (two processes on PostgreSQL) never share a row.
 */
for (const engine of testEngines()) {
  describe(`disclosure batches [${engine}]`, () => {
    const testStore = useTestStore(engine);
    const grantId = `grant-${randomUUID()}`;
    const row = (id: string): DisclosureRecord => ({ id, recordedAt: Date.now(), grantId, clientId: 'client', consentId: null, kind: 'read',
      detail: '{}', resources: '["Patient/p1"]', materializedAt: null });
    const write = (tx: StoreTransaction, id: string) => tx.writeVersion({
      resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id }), index: null });
    const pendingIds = async () => (await testStore().consent.pendingDisclosures(1000)).filter((r) => r.grantId === grantId).map((r) => r.id);
    /** Takes everything pending (this suite's rows only exist) and does nothing with it. */
    const drain = async () => { while ((await testStore().consent.materializeDisclosures(randomUUID(), 1000, Date.now(), 0, async () => undefined)).taken > 0); };

    test('what the work writes and the mark commit together', async () => {
      await drain();
      await testStore().consent.recordDisclosures([row('d-1'), row('d-2')]);
      const taken: string[] = [];
      const pass = await testStore().consent.materializeDisclosures('batch-1', 10, Date.now(), 0, async (batch, tx) => {
        taken.push(...batch.records.map((r) => r.id));
        await write(tx, 'event-of-batch-1');
      });
      assert.deepEqual(pass, { batchId: 'batch-1', taken: 2 });
      assert.deepEqual(taken, ['d-1', 'd-2']);
      assert.ok(await testStore().readCurrent('Basic', 'event-of-batch-1'), 'the work\'s write committed');
      assert.deepEqual(await pendingIds(), [], 'the rows are marked');
      assert.equal((await testStore().consent.materializeDisclosures('batch-2', 10, Date.now(), 0, async () => assert.fail('nothing waits'))).taken, 0);
    });

    test('a work that fails (a crash mid-batch) leaves its rows pending and writes nothing', async () => {
      await drain();
      await testStore().consent.recordDisclosures([row('f-1')]);
      await assert.rejects(testStore().consent.materializeDisclosures('failing', 10, Date.now(), 0, async (_batch, tx) => {
        await write(tx, 'event-of-failing');
        await write(tx, 'second-event-of-failing');
        throw new Error('the materializer died');
      }), /died/);
      assert.equal(await testStore().readCurrent('Basic', 'event-of-failing'), undefined, 'no AuditEvent of a batch that did not commit');
      assert.deepEqual(await pendingIds(), ['f-1']);
      const again: string[] = [];
      await testStore().consent.materializeDisclosures('retry', 10, Date.now(), 0, async (batch) => { again.push(...batch.records.map((r) => r.id)); });
      assert.deepEqual(again, ['f-1'], 'taken again by the next pass');
      assert.deepEqual(await pendingIds(), []);
    });

    test('two materializations at once take disjoint rows, and every row once', async () => {
      await drain();
      await testStore().consent.recordDisclosures(['c-1', 'c-2', 'c-3', 'c-4'].map(row));
      let secondTook!: () => void;
      const tookSecond = new Promise<void>((resolve) => { secondTook = resolve; });
      // On PostgreSQL the first holds its rows until the second has taken its own (SKIP LOCKED);
      // SQLite's one writer runs them one after the other, and the second finds only what is left.
      const hold = engine === 'postgres' ? tookSecond : Promise.resolve();
      const firstIds: string[] = [];
      const secondIds: string[] = [];
      const first = testStore().consent.materializeDisclosures('first', 2, Date.now(), 0, async (batch) => { await hold; firstIds.push(...batch.records.map((r) => r.id)); });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = testStore().consent.materializeDisclosures('second', 2, Date.now(), 0, async (batch) => { secondIds.push(...batch.records.map((r) => r.id)); secondTook(); });
      await Promise.all([first, second]);
      assert.deepEqual([...firstIds, ...secondIds].sort(), ['c-1', 'c-2', 'c-3', 'c-4']);
      assert.equal(firstIds.length, 2);
      assert.deepEqual(await pendingIds(), []);
    });
  });
}
