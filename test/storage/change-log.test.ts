import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoreTransaction } from '../../src/storage/index.js';
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
  });
}
