import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver } from './receiver.js';

/**
 * Events recorded for a subscription already in a round here wake no claim: the round goes on
 * while events are pending (and its end wakes the claim loop anyway). On PostgreSQL each claim
 * that finds nothing was a round trip per recorded batch.
 */
for (const engineName of testEngines()) {
  describe(`claims [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let endpoint = '';
    let engine: SubscriptionEngine;
    let claims = 0;
    let reads = 0;

    before(async () => {
      endpoint = await receiver.start();
      const claimDue = store().subscriptions.claimDue.bind(store().subscriptions);
      store().subscriptions.claimDue = (...args) => {
        claims++;
        return claimDue(...args);
      };
      const eventsWithFocusAfter = store().subscriptions.eventsWithFocusAfter.bind(store().subscriptions);
      store().subscriptions.eventsWithFocusAfter = (...args) => {
        reads++;
        return eventsWithFocusAfter(...args);
      };
      // Polling once a minute: every claim below is one a wake-up asked for.
      engine = newEngine(store(), { pollMs: 60_000 });
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    it('changes recorded while the subscription\'s round waits on its endpoint claim nothing; the round delivers them next', async () => {
      const id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/busy'));
      await receiver.until(() => receiver.of('handshake').length === 1);
      receiver.holdMs = 1500;
      await write(store(), condition('b1', 'busy', 'problem-list-item'), engine);
      // Event 1 arrived and its answer is held: the round is in flight.
      await receiver.until(() => receiver.events().length === 1, 5000);
      const before = claims;
      for (let i = 2; i <= 4; i++) await write(store(), condition(`b${i}`, 'busy', 'problem-list-item'), engine);
      // Events 2–4 recorded while the answer to event 1 is still held.
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.eventsSinceStart === 4);
      assert.equal(claims, before, 'no claim while the subscription is in a round here');
      receiver.holdMs = 0;
      await receiver.until(() => receiver.events().length >= 4, 5000);
      assert.deepEqual(receiver.events(), [1, 2, 3, 4]);
    });

    it('an event for an idle subscription goes out with no claim and no read: the record leased it and handed its round the event and focus', async () => {
      const fullResource = { _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'full-resource' }] } };
      const id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/idle', fullResource));
      await receiver.until(() => receiver.received.some((r) => r.type === 'handshake' && r.bundle.entry[0]!.resource!.parameter!
        .some((p) => p.valueReference?.reference?.endsWith(id))), 5000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [claimsBefore, readsBefore, received] = [claims, reads, receiver.received.length];
      await write(store(), condition('idle-1', 'idle', 'problem-list-item', { note: [{ text: 'as written' }] }), engine);
      await receiver.until(() => receiver.received.length > received && receiver.received.at(-1)!.type === 'event-notification', 5000);
      assert.equal(claims, claimsBefore, 'no claim statement');
      assert.equal(reads, readsBefore, 'no read of the events');
      const sent = receiver.received.at(-1)!.bundle.entry.find((e) => e.resource?.resourceType === 'Condition')?.resource as { id: string; note: { text: string }[] } | undefined;
      assert.equal(sent?.id, 'idle-1');
      assert.equal(sent?.note[0]?.text, 'as written', 'the focus as stored');
    });
  });
}

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
