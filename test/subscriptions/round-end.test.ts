import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver } from './receiver.js';

/**
 * A subscription's events recorded while its round runs are that round's to send (it looks for
 * more before it lets go) — unless they come after its last look: its finishing statement found
 * nothing pending and released the lease, and only then were they recorded. The record cannot
 * lease it (the round is still in flight here), so the round's end must claim it. The engine polls
 * once a minute here: only that claim can deliver the event promptly.
 */
for (const engineName of testEngines()) {
  describe(`events recorded after a round's last look [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let engine: SubscriptionEngine;
    let afterFinish: () => Promise<void> = async () => undefined;

    before(async () => {
      const finishDelivery = store().subscriptions.finishDelivery.bind(store().subscriptions);
      store().subscriptions.finishDelivery = async (id, outcome) => {
        const kept = await finishDelivery(id, outcome);
        await afterFinish();
        return kept;
      };
      engine = newEngine(store(), { pollMs: 60_000 });
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    it('are sent at once by a claim when the round ends, not at the next poll', async () => {
      const endpoint = await receiver.start();
      const id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/late'));
      await receiver.until(() => receiver.of('handshake').length === 1, 5000);
      await write(store(), condition('late-1', 'late', 'problem-list-item'), engine);
      await receiver.until(() => receiver.events().includes(1), 5000);
      // Event 1's round committed its bookkeeping (nothing pending: the lease is released); before
      // the round ends, event 2 is written and recorded.
      let once = true;
      afterFinish = async () => {
        if (!once) return;
        once = false;
        await write(store(), condition('late-2', 'late', 'problem-list-item'), engine);
        const deadline = Date.now() + 5000;
        while ((await store().subscriptions.getSubscription(id))!.eventsSinceStart < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      };
      await write(store(), condition('late-1', 'late', 'problem-list-item', { note: [{ text: 'again' }] }), engine);
      const started = Date.now();
      await receiver.until(() => receiver.events().includes(3), 5000);
      assert.ok(Date.now() - started < 3000, `the late event went out ${Date.now() - started} ms later, not at the next poll`);
      assert.deepEqual(receiver.events(), [1, 2, 3]);
    });
  });
}
