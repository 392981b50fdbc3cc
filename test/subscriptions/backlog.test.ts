import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import type { DeliveryOutcome } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, maxCount, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver, type Received } from './receiver.js';

/**
 * A backlog goes out one acknowledged notification after another: the next round starts once the
 * endpoint accepted the previous notification, while that round's bookkeeping commits
 * (deliver-round.ts). Each round's bookkeeping still commits after its predecessor's, and not at
 * all if that failed — so nothing is lost and the order holds.
 */
for (const engineName of testEngines()) {
  describe(`backlog delivery [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let endpoint = '';
    let engine: SubscriptionEngine;
    /** Runs before each finishing statement (the round's bookkeeping): may wait, or throw. */
    let beforeFinish: (outcome: DeliveryOutcome) => Promise<void> = async () => undefined;

    before(async () => {
      endpoint = await receiver.start();
      const finishDelivery = store().subscriptions.finishDelivery.bind(store().subscriptions);
      store().subscriptions.finishDelivery = async (id, outcome) => {
        await beforeFinish(outcome);
        return finishDelivery(id, outcome);
      };
      engine = newEngine(store());
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    /** A subscription one event per notification, handshaken, with `count` events waiting behind a held first notification. */
    async function backlogOf(patient: string, count: number): Promise<string> {
      const id = await subscribe(engine, subscription(endpoint, `Condition?patient=Patient/${patient}`, { extension: [maxCount(1)] }));
      await receiver.until(() => receiver.received.some((r) => r.type === 'handshake' && subscriptionOf(r) === id));
      receiver.holdMs = 400;
      for (let i = 1; i <= count; i++) await write(store(), condition(`${patient}-${i}`, patient, 'problem-list-item'), engine);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.eventsSinceStart === count);
      receiver.holdMs = 0;
      return id;
    }
    const eventsOf = (id: string) => receiver.received.filter((r) => r.type === 'event-notification' && subscriptionOf(r) === id).flatMap((r) => r.eventNumbers);

    it('the next notification goes out while the previous round\'s bookkeeping is still committing, in order', async () => {
      const sentBeforeFinish: boolean[] = [];
      beforeFinish = async (outcome) => {
        // Rounds 2 and 3 read with a backlog behind them (round 1 read event 1 before the others were recorded).
        if (outcome.attempt?.kind !== 'event-notification' || outcome.lastDelivered < 2 || outcome.lastDelivered > 3) return;
        // Held until the next event arrived, or 2 s: only a round that went on without this one's commit can send it.
        const next = outcome.lastDelivered + 1;
        const deadline = Date.now() + 2000;
        while (!receiver.events().includes(next) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        sentBeforeFinish.push(receiver.events().includes(next));
      };
      const id = await backlogOf('piped', 4);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.lastDelivered === 4);
      beforeFinish = async () => undefined;
      assert.deepEqual(eventsOf(id), [1, 2, 3, 4], 'each event once, in order');
      assert.deepEqual(sentBeforeFinish, [true, true], 'events 3 and 4 were sent before the marks of 2 and 3 committed');
    });

    it('a round whose predecessor\'s bookkeeping failed commits nothing; the events are sent again from the last mark', async () => {
      let failed = false;
      beforeFinish = async (outcome) => {
        if (!failed && outcome.attempt?.kind === 'event-notification' && outcome.lastDelivered === 2) {
          failed = true;
          // Until event 3 went out on the strength of event 2's answer, then the commit fails (a lost database).
          const deadline = Date.now() + 2000;
          while (!receiver.events().includes(3) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error('the database went away');
        }
      };
      const id = await backlogOf('lost', 4);
      await waitFor(async () => failed);
      await receiver.until(() => eventsOf(id).includes(3), 5000);
      // Event 3's round went on before event 2's mark, which failed: its own mark must not commit.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stalled = (await store().subscriptions.getSubscription(id))!;
      assert.equal(stalled.lastDelivered, 1, 'nothing after the failed mark is marked delivered');
      beforeFinish = async () => undefined;
      // The lease runs out (here: at once) and the subscription is taken again from its last mark.
      await store().subscriptions.releaseLease(id);
      await engine.wake(id);
      await receiver.until(() => eventsOf(id).filter((n) => n === 4).length >= 1 && eventsOf(id).filter((n) => n === 2).length >= 2, 10_000);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.lastDelivered === 4);
      const seen = eventsOf(id);
      assert.deepEqual([...new Set(seen)].sort(), [1, 2, 3, 4]);
      assert.deepEqual(seen.slice(seen.lastIndexOf(2)), [2, 3, 4], 'sent again from event 2, in order');
    });
  });
}

/** The subscription a notification is about (its status Parameters). */
function subscriptionOf(received: Received): string | undefined {
  const reference = received.bundle.entry[0]!.resource!.parameter!.find((p) => p.name === 'subscription')?.valueReference?.reference;
  return reference?.split('/').pop();
}

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
