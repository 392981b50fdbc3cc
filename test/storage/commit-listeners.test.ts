import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoreTransaction } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/**
 * `store.onVersionsCommitted`: after a transaction that wrote resource versions committed — through
 * `transaction` or a record family's unit that writes resources (the disclosure log's AuditEvents)
 * — the listeners run (the server wakes the subscription matcher with it); never for a transaction
 * that only read, or one that failed.
 */
for (const engine of testEngines()) {
  describe(`commit listeners [${engine}]`, () => {
    const testStore = useTestStore(engine);
    const write = (tx: StoreTransaction, id: string) => tx.writeVersion({
      resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id }), index: null });

    test('after a commit that wrote, with the write visible; not after a read or a failure', async () => {
      const store = testStore();
      const seen: (string | undefined)[] = [];
      let checking: Promise<void> = Promise.resolve();
      store.onVersionsCommitted(() => {
        checking = checking.then(async () => { seen.push((await store.readCurrent('Basic', 'listened'))?.id); });
      });
      await store.transaction((tx) => write(tx, 'listened'));
      await checking;
      assert.deepEqual(seen, ['listened'], 'once, after the commit: the write is visible to others');
      await store.transaction((tx) => tx.readCurrent('Basic', 'listened'));
      await assert.rejects(store.transaction(async (tx) => {
        await write(tx, 'never');
        throw new Error('refused');
      }));
      await checking;
      assert.equal(seen.length, 1, 'a read-only or failed transaction tells no one');
    });

    test('after a record family unit that wrote resources (a materialized disclosure batch)', async () => {
      const store = testStore();
      let told = 0;
      store.onVersionsCommitted(() => { told++; });
      await store.consent.recordDisclosures([{ id: 'd-listened', recordedAt: Date.now(), grantId: 'g', clientId: 'c', consentId: null, kind: 'read',
        detail: '{}', resources: '["Patient/p"]', materializedAt: null }]);
      assert.equal(told, 0, 'a record alone is no resource');
      const pass = await store.consent.materializeDisclosures('listened-batch', 10, Date.now(), 0, { prepare: async () => undefined, write: (_batch, _prepared, tx) => write(tx, 'event-listened') });
      assert.equal(pass.taken, 1);
      assert.equal(told, 1);
    });
  });
}
