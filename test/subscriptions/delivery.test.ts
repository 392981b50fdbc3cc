import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, heartbeat, newEngine, remove, subscribe, subscription, write } from './engine-harness.js';
import { Receiver } from './receiver.js';

for (const engineName of testEngines()) {
  describe(`subscription delivery [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let endpoint = '';
    let engine: SubscriptionEngine;

    before(async () => {
      endpoint = await receiver.start();
      engine = newEngine(store());
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    it('handshakes on create: requested → active, headers and Content-Type as given', async () => {
      const id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/p1'));
      await receiver.until(() => receiver.of('handshake').length === 1);
      const handshake = receiver.of('handshake')[0]!;
      assert.equal(handshake.eventsSinceStart, 0);
      assert.equal(handshake.headers.authorization, 'Bearer secret-token');
      assert.equal(handshake.headers['content-type'], 'application/fhir+json');
      assert.equal(handshake.bundle.type, 'history');
      assert.equal(handshake.bundle.entry[0]!.request.url, `http://127.0.0.1:9/fhir/Subscription/${id}/$status`);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.status === 'active');
    });

    it('numbers every problem-list change in order, including entering and leaving the list, for that patient only', async () => {
      await write(store(), condition('c1', 'p1', 'problem-list-item'), engine); // 1 create
      await write(store(), condition('c1', 'p1', 'problem-list-item', { note: [{ text: 'worse' }] }), engine); // 2 update
      await write(store(), condition('c2', 'p2', 'problem-list-item'), engine); // other patient: nothing
      await write(store(), condition('c3', 'p1', 'encounter-diagnosis'), engine); // not on the list: nothing
      await write(store(), condition('c3', 'p1', 'problem-list-item'), engine); // 3 enters the list
      await write(store(), condition('c1', 'p1', 'encounter-diagnosis'), engine); // 4 leaves the list
      await remove(store(), 'Condition', 'c3', engine); // 5 deleted while on the list
      await receiver.until(() => receiver.events().length >= 5);
      await new Promise((resolve) => setTimeout(resolve, 300)); // nothing else is coming
      assert.deepEqual(receiver.events(), [1, 2, 3, 4, 5]);
      const focus = receiver.of('event-notification').flatMap((r) => r.bundle.entry.slice(1).map((e) => `${e.request.method} ${e.fullUrl.split('/fhir/')[1]}`));
      assert.deepEqual(focus, ['POST Condition/c1', 'PUT Condition/c1', 'PUT Condition/c3', 'PUT Condition/c1', 'DELETE Condition/c3']);
      for (const r of receiver.of('event-notification')) {
        // R5 SubscriptionStatus.eventsSinceSubscriptionStart counts every event generated so far,
        // "regardless of how many have been successfully communicated".
        assert.ok(r.eventsSinceStart >= r.eventNumbers[r.eventNumbers.length - 1]!);
        assert.equal(r.bundle.entry[1]!.resource, undefined, 'id-only carries no resource');
      }
    });

    it('sends heartbeats exactly when heartbeatPeriod is set', async () => {
      const beating = new Receiver();
      const quiet = new Receiver();
      await subscribe(engine, subscription(await beating.start(), 'patient=Patient/p9', { extension: [heartbeat(1)] }));
      await subscribe(engine, subscription(await quiet.start(), 'patient=Patient/p9'));
      await beating.until(() => beating.of('heartbeat').length >= 2, 5000);
      const [first, second] = beating.of('heartbeat');
      const gap = second!.at - first!.at;
      assert.ok(gap >= 900 && gap < 2500, `heartbeats ${gap} ms apart`);
      assert.ok(first!.at - beating.of('handshake')[0]!.at >= 900, 'the first heartbeat comes a period after the handshake');
      assert.equal(quiet.of('heartbeat').length, 0);
      assert.equal(quiet.of('handshake').length, 1);
      await beating.stop();
      await quiet.stop();
    });

    it('full-resource notifications carry the focus and the notificationShape (the Patient)', async () => {
      const full = new Receiver();
      await write(store(), { resourceType: 'Patient', id: 'p7', name: [{ family: 'Seven' }] });
      await subscribe(engine, subscription(await full.start(), 'Condition?patient=p7', {
        _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'full-resource' }] },
      }));
      await full.until(() => full.of('handshake').length === 1);
      await write(store(), condition('c7', 'p7', 'problem-list-item'), engine);
      await full.until(() => full.events().length === 1);
      const entries = full.of('event-notification')[0]!.bundle.entry;
      assert.deepEqual(entries.map((e) => e.resource?.resourceType), ['Parameters', 'Condition', 'Patient']);
      await full.stop();
    });
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
