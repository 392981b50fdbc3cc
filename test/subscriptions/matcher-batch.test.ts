import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, newEngine, remove, subscribe, subscription, write } from './engine-harness.js';

const MEDICATIONS = 'http://handover.example/fhir/SubscriptionTopic/medication-list-changed';
const medication = (id: string, patient: string) => ({ resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: `Patient/${patient}` } });

/** Matcher passes until `expected` events were recorded: on PostgreSQL any transaction of the cluster may hold changes back a moment. */
async function matchAll(engine: SubscriptionEngine, expected: number): Promise<number> {
  let recorded = 0;
  for (const deadline = Date.now() + 10_000; recorded < expected && Date.now() < deadline;) {
    recorded += await engine.matchOnce();
    if (recorded < expected) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return recorded;
}

/**
 * The matcher reads, looks up and records a whole batch at once (README "The matcher"): the
 * events must come out exactly as one change at a time would number them.
 */
for (const engineName of testEngines()) {
  describe(`matcher batches [${engineName}]`, () => {
    const store = useTestStore(engineName);

    it('a backlog matched in one pass: each subscription\'s events numbered in change order, with the right interactions', async () => {
      const engine = newEngine(store()); // not started: the backlog waits for matchOnce
      const p1 = await subscribe(engine, subscription('http://127.0.0.1:9/hook', 'Condition?patient=Patient/b1'));
      const p2 = await subscribe(engine, subscription('http://127.0.0.1:9/hook', 'Condition?patient=Patient/b2'));
      await write(store(), condition('k1', 'b1', 'problem-list-item')); // p1 #1 create
      await write(store(), condition('k2', 'b2', 'problem-list-item')); // p2 #1 create
      await write(store(), condition('k3', 'b1', 'encounter-diagnosis')); // not on the list
      await write(store(), condition('k1', 'b1', 'problem-list-item', { note: [{ text: 'worse' }] })); // p1 #2 update
      await write(store(), condition('k3', 'b1', 'problem-list-item')); // p1 #3 enters the list
      await write(store(), condition('k2', 'b2', 'encounter-diagnosis')); // p2 #2 leaves the list
      await remove(store(), 'Condition', 'k1'); // p1 #4 delete
      await write(store(), condition('k1', 'b1', 'problem-list-item')); // p1 #5 created again after the deletion
      assert.equal(await matchAll(engine, 7), 7);
      const events = async (id: string) => (await store().subscriptions.eventsAfter(id, 0, 100))
        .map((e) => `${e.eventNumber} ${e.interaction} ${e.focusId}/${e.focusVersion}`);
      assert.deepEqual(await events(p1), ['1 create k1/1', '2 update k1/2', '3 update k3/2', '4 delete k1/3', '5 create k1/4']);
      assert.deepEqual(await events(p2), ['1 create k2/1', '2 update k2/2']);
      assert.equal(await engine.matchOnce(), 0, 'nothing twice');
    });

    it('a topic first subscribed through another engine is heard by a matcher that saw it unsubscribed', async () => {
      const here = newEngine(store());
      const there = newEngine(store());
      await write(store(), medication('m1', 'b3'));
      await here.matchOnce(); // nobody listens to the medication list yet
      const id = await subscribe(there, subscription('http://127.0.0.1:9/hook', 'MedicationRequest?patient=Patient/b3', {}, MEDICATIONS));
      await write(store(), medication('m2', 'b3'));
      assert.equal(await matchAll(here, 1), 1);
      assert.deepEqual((await store().subscriptions.eventsAfter(id, 0, 10)).map((e) => e.focusId), ['m2']);
      // The other engine's matcher, behind the shared cursor, records nothing again.
      assert.equal(await there.matchOnce(), 0);
      assert.equal((await store().subscriptions.getSubscription(id))?.eventsSinceStart, 1);
    });
  });
}
