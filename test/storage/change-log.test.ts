import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Change, StoreTransaction } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/**
 * The change log must never skip a committed change: subscriptions and bulk `_since` read it.
 * On PostgreSQL sequence values are handed out before commit, so commits land out of order.
 */
for (const engine of testEngines()) {
  describe(`change log [${engine}]`, () => {
    const testStore = useTestStore(engine);

    const write = (tx: StoreTransaction, id: string) => tx.writeVersion({
      resourceType: 'Basic', id, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify({ resourceType: 'Basic', id }), index: null,
    });

    // Reads to the end; committed changes held back by an older transaction anywhere in the
    // PostgreSQL cluster (another test's) are waited for: `heldBack` says they exist.
    async function readAll(cursor: string | null, waitHeldBack = true): Promise<{ ids: string[]; cursor: string | null }> {
      const ids: string[] = [];
      for (let waits = 0; ;) {
        const batch = await testStore().readChanges(cursor, 100);
        ids.push(...batch.changes.map((c) => c.id));
        cursor = batch.cursor;
        if (batch.changes.length === 100) continue;
        if (!waitHeldBack || !batch.heldBack || ++waits > 2000) return { ids, cursor };
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    test('a transaction that took its sequence first but commits last is not skipped', async () => {
      const start = await readAll(null);
      let releaseSlow!: () => void;
      const gate = new Promise<void>((resolve) => { releaseSlow = resolve; });
      let slowWrote!: () => void;
      const slowHasWritten = new Promise<void>((resolve) => { slowWrote = resolve; });
      const slow = testStore().transaction(async (tx) => {
        await write(tx, 'slow');
        // A second statement: the write is sent inside the open transaction now (a transaction
        // whose only statement is one write holds it back and runs it alone at its end).
        await tx.readCurrent('Basic', 'slow');
        slowWrote();
        await gate;
      });
      await slowHasWritten;
      // On SQLite the single writer makes the fast transaction wait: commit order is seq order.
      const fast = testStore().transaction((tx) => write(tx, 'fast'));
      if (engine === 'postgres') await fast;
      const middle = await readAll(start.cursor, false);
      if (engine === 'postgres') assert.equal((await testStore().readChanges(middle.cursor, 100)).heldBack, true, 'fast committed, held back behind slow');
      assert.ok(!middle.ids.includes('slow'), 'the uncommitted write is not visible');
      releaseSlow();
      await slow;
      await fast;
      const end = await readAll(middle.cursor);
      assert.deepEqual([...middle.ids, ...end.ids].sort(), ['fast', 'slow']);
    });

    test('concurrent writers with random delays: a polling reader sees every change exactly once', async () => {
      const start = await readAll(null);
      const expected: string[] = [];
      const seen: string[] = [];
      let cursor = start.cursor;
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const batch = await readAll(cursor, false);
          seen.push(...batch.ids);
          cursor = batch.cursor;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const writers = Array.from({ length: 8 }, (_, w) => (async () => {
        for (let i = 0; i < 15; i++) {
          const id = `w${w}-${i}`;
          expected.push(id);
          await testStore().transaction(async (tx) => {
            await write(tx, id);
            await tx.readCurrent('Basic', id); // sends the write inside the open transaction (see above)
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
          });
        }
      })());
      await Promise.all(writers);
      writing = false;
      await reader;
      seen.push(...(await readAll(cursor)).ids);
      assert.equal(seen.length, new Set(seen).size, 'no change is delivered twice');
      assert.deepEqual([...seen].sort(), [...expected].sort());
    });

    test('changes of the types asked for come with their version and the one before, read by the same statement', async () => {
      const start = await readAll(null);
      const version = (type: string, id: string, versionId: number, json: string | null) => testStore().transaction((tx) => tx.writeVersion({
        resourceType: type, id, versionId, lastUpdated: 1000 + versionId, json, index: null,
      }));
      await version('Basic', 'v', 1, '{"n":1}');
      await version('Basic', 'v', 2, '{"n":2}');
      await version('Basic', 'v', 3, null);
      await version('Basic', 'v', 4, '{"n":4}');
      await version('Patient', 'q', 1, '{"p":1}');
      const changes: Change[] = [];
      for (let cursor = start.cursor, waits = 0; changes.length < 5 && waits < 2000; waits++) {
        const batch = await testStore().readChanges(cursor, 100, ['Basic']);
        changes.push(...batch.changes);
        cursor = batch.cursor;
        if (changes.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const shown = changes.map((c) => [c.versionId, c.versions?.previous?.json, c.versions?.current?.json]);
      assert.deepEqual(shown, [
        [1, undefined, '{"n":1}'], // create: none before
        [2, '{"n":1}', '{"n":2}'],
        [3, '{"n":2}', null], // deletion: its tombstone
        [4, null, '{"n":4}'], // re-created after a deletion: the tombstone before
        [1, undefined, undefined], // a type not asked for: no content read
      ]);
      assert.equal(changes[3]!.versions?.previous?.deleted, true);
      assert.equal(changes[4]!.versions, undefined);

      const read = await testStore().readVersions([{ resourceType: 'Basic', id: 'v', versionId: 2 }, { resourceType: 'Patient', id: 'q', versionId: 1 },
        { resourceType: 'Basic', id: 'v', versionId: 9 }]);
      assert.deepEqual(read.map((v) => `${v.resourceType}/${v.id}/${v.versionId} ${v.json}`).sort(), ['Basic/v/2 {"n":2}', 'Patient/q/1 {"p":1}']);
      assert.deepEqual(await testStore().readVersions([]), []);
    });
  });
}
