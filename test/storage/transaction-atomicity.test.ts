import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageConflict, type VersionWrite } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

const write = (id: string, versionId = 1): VersionWrite => ({
  resourceType: 'Patient', id, versionId, lastUpdated: Date.now(),
  json: JSON.stringify({ resourceType: 'Patient', id, meta: { versionId: String(versionId) } }), index: null,
});

/**
 * Store transactions are all or nothing, whatever the engine does underneath: a write never
 * outlives a failed transaction, is visible to what follows it in the same transaction, and a
 * conflicting lone write fails with a conflict. (Pinned before trying to send a lone PostgreSQL
 * write without BEGIN/COMMIT — measured no faster, so not kept; any such shortcut must pass these.)
 */
for (const engine of testEngines()) {
  describe(`store transactions are atomic [${engine}]`, () => {
    const store = useTestStore(engine);

    it('a write followed by a failure leaves nothing', async () => {
      await assert.rejects(store().transaction(async (tx) => {
        await tx.writeVersion(write('atom-1'));
        throw new Error('the work failed after its write');
      }), /failed after its write/);
      assert.equal(await store().readCurrent('Patient', 'atom-1'), undefined);
    });

    it('two writes and a failure after the second leave nothing', async () => {
      await assert.rejects(store().transaction(async (tx) => {
        await tx.writeVersion(write('atom-2'));
        await tx.writeVersion(write('atom-3'));
        throw new Error('late failure');
      }));
      assert.equal(await store().readCurrent('Patient', 'atom-2'), undefined);
      assert.equal(await store().readCurrent('Patient', 'atom-3'), undefined);
    });

    it('what a transaction wrote, it reads back before it ends; a lone write stands on its own', async () => {
      const seen = await store().transaction(async (tx) => {
        await tx.writeVersion(write('atom-4'));
        return tx.readCurrent('Patient', 'atom-4');
      });
      assert.equal(seen?.versionId, 1);
      await store().transaction((tx) => tx.writeVersion(write('atom-5')));
      assert.equal((await store().readCurrent('Patient', 'atom-5'))?.versionId, 1);
    });

    it('a lone write that conflicts fails the transaction with a conflict and changes nothing', async () => {
      await store().transaction((tx) => tx.writeVersion(write('atom-6')));
      await assert.rejects(store().transaction((tx) => tx.writeVersion(write('atom-6'))), StorageConflict);
      assert.equal((await store().readCurrent('Patient', 'atom-6'))?.versionId, 1);
    });
  });
}
