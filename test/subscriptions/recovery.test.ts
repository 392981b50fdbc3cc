import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_ACCESS } from '../../src/access/index.js';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, maxCount, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver, type Parameter } from './receiver.js';

for (const engineName of testEngines()) {
  describe(`subscription recovery [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let endpoint = '';
    let engine: SubscriptionEngine;
    let id = '';

    before(async () => {
      endpoint = await receiver.start();
      engine = newEngine(store());
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    it('retries with back-off while the endpoint fails, shows error with the reason, and recovers by itself', async () => {
      id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/p1', { extension: [maxCount(10)] }));
      await receiver.until(() => receiver.of('handshake').length === 1);
      await write(store(), condition('c1', 'p1', 'problem-list-item'), engine);
      await receiver.until(() => receiver.events().length === 1);

      receiver.answer = 503;
      await write(store(), condition('c2', 'p1', 'problem-list-item'), engine);
      await write(store(), condition('c3', 'p1', 'problem-list-item'), engine);
      await waitFor(async () => ((await store().subscriptions.getSubscription(id))?.failures ?? 0) >= 3);
      const failing = (await store().subscriptions.getSubscription(id))!;
      assert.equal(failing.status, 'error');
      assert.match(failing.error!, /HTTP 503/);
      const attempts = (await store().subscriptions.attemptsOf(id, 10)).filter((a) => !a.ok).map((a) => a.attemptedAt).reverse();
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      assert.ok(gaps.every((gap) => gap >= 45), `retries are spaced by the back-off: ${gaps.join(', ')} ms`);
      const decorated = await engine.decorate({ resourceType: 'Subscription', id, status: 'requested' });
      assert.equal(decorated.status, 'error');
      assert.match(String(decorated.error), /HTTP 503/);

      await write(store(), condition('c4', 'p1', 'problem-list-item'), engine); // the counter keeps counting
      receiver.answer = 200;
      await receiver.until(() => receiver.events().length === 4);
      assert.deepEqual(receiver.events(), [1, 2, 3, 4]);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.status === 'active');
      assert.equal((await store().subscriptions.getSubscription(id))?.error, null);
    });

    it('another subscription is not held up by a failing endpoint', async () => {
      const healthy = new Receiver();
      await subscribe(engine, subscription(await healthy.start(), 'Condition?patient=Patient/p2'));
      const dead = await subscribe(engine, subscription('http://127.0.0.1:1/nobody', 'Condition?patient=Patient/p2'));
      await healthy.until(() => healthy.of('handshake').length === 1);
      await write(store(), condition('d1', 'p2', 'problem-list-item'), engine);
      await healthy.until(() => healthy.events().length === 1);
      await waitFor(async () => (await store().subscriptions.getSubscription(dead))?.status === 'error');
      assert.match((await store().subscriptions.getSubscription(dead))!.error!, /^Handshake failed: /);
      await healthy.stop();
    });

    it('a restarted engine (new instance, same database) continues without loss or repeats', async () => {
      await engine.stop();
      await write(store(), condition('c5', 'p1', 'problem-list-item')); // written while no engine runs
      await write(store(), condition('c6', 'p1', 'problem-list-item'));
      engine = newEngine(store());
      engine.start();
      engine.notifyCommitted();
      await receiver.until(() => receiver.events().length === 6);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(receiver.events(), [1, 2, 3, 4, 5, 6]);
    });

    it('once the budget is spent it stays in error; requested re-handshakes, resumes with new events, and $events returns what was missed', async () => {
      await engine.stop();
      engine = newEngine(store(), { retryBudgetMs: 300 });
      engine.start();
      receiver.answer = 500;
      await write(store(), condition('c7', 'p1', 'problem-list-item'), engine); // 7: missed
      await waitFor(async () => {
        const s = await store().subscriptions.getSubscription(id);
        return s?.status === 'error' && s.nextAttemptAt === null;
      });
      assert.match((await store().subscriptions.getSubscription(id))!.error!, /set status to requested/);
      receiver.answer = 200;
      await write(store(), condition('c8', 'p1', 'problem-list-item'), engine); // 8: recorded, not sent
      // Recorded before the subscriber asks again (a loaded machine may take longer than the sleep).
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.eventsSinceStart === 8);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(receiver.events(), [1, 2, 3, 4, 5, 6], 'nothing is sent while given up');

      const handshakes = receiver.of('handshake').length;
      await engine.onSubscriptionWritten(id, await engine.validateSubscription(subscription(endpoint, 'Condition?patient=Patient/p1'), { open: true }));
      await receiver.until(() => receiver.of('handshake').length === handshakes + 1);
      await write(store(), condition('c9', 'p1', 'problem-list-item'), engine); // 9
      await receiver.until(() => receiver.events().includes(9));
      assert.deepEqual(receiver.events(), [1, 2, 3, 4, 5, 6, 9]);

      const events = await engine.eventsOf(id, OPEN_ACCESS, 7, 8) as unknown as { type: string; entry: { resource?: { parameter?: Parameter[] } }[] };
      assert.equal(events.type, 'history');
      const status = events.entry[0]!.resource!.parameter!;
      assert.equal(status.find((p) => p.name === 'type')?.valueCode, 'query-event');
      assert.deepEqual(status.filter((p) => p.name === 'notification-event').map((p) => p.part![0]!.valueString), ['7', '8']);

      const statuses = await engine.statusOf([id]) as unknown as { type: string; entry: { resource: { parameter: Parameter[] } }[] };
      assert.equal(statuses.type, 'searchset');
      const parameters = statuses.entry[0]!.resource.parameter;
      assert.equal(parameters.find((p) => p.name === 'type')?.valueCode, 'query-status');
      assert.equal(parameters.find((p) => p.name === 'events-since-subscription-start')?.valueString, '9');
    });
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
