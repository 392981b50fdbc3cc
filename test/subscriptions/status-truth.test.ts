import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_ACCESS } from '../../src/access/index.js';
import type { SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, newEngine, subscribe, subscription, write } from './engine-harness.js';
import { Receiver, type Parameter } from './receiver.js';

/**
 * Issue 4: "Every delivery attempt and result is recorded and visible ($status)". `$status` reads
 * the attempt records: while failing it says what was tried, when, and what the endpoint
 * answered; once an attempt succeeds it shows none of the old failures.
 */
for (const engineName of testEngines()) {
  describe(`$status tells the truth about the last attempts [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const receiver = new Receiver();
    let engine: SubscriptionEngine;

    before(async () => {
      engine = newEngine(store());
      engine.start();
    });
    after(async () => {
      await engine.stop();
      await receiver.stop();
    });

    const status = async (id: string) => {
      const bundle = await engine.statusOf([id]) as unknown as { entry: { resource: { parameter: Parameter[] } }[] };
      const parameters = bundle.entry[0]!.resource.parameter;
      return {
        status: parameters.find((p) => p.name === 'status')?.valueCode,
        errors: parameters.filter((p) => p.name === 'error').map((p) => (p as { valueCodeableConcept?: { text: string } }).valueCodeableConcept!.text),
      };
    };
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(await check(), 'condition reached');
    };

    it('active with no error after success; error with each failed attempt while failing; clean again once delivered', async () => {
      const endpoint = await receiver.start();
      const id = await subscribe(engine, subscription(endpoint, 'Condition?patient=Patient/s1'));
      await receiver.until(() => receiver.of('handshake').length === 1);
      await waitFor(async () => (await status(id)).status === 'active');
      assert.deepEqual((await status(id)).errors, []);

      receiver.answer = 503;
      await write(store(), condition('c1', 's1', 'problem-list-item'), engine);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))!.failures >= 2);
      const failing = await status(id);
      assert.equal(failing.status, 'error');
      assert.match(failing.errors[0]!, /HTTP 503/, 'the engine\'s reason first');
      const attempts = failing.errors.slice(1);
      assert.ok(attempts.length >= 2, `each failed attempt listed: ${JSON.stringify(failing.errors)}`);
      for (const line of attempts) assert.match(line, /^Attempt at \d{4}-\d\d-\d\dT[\d:.]+Z failed: event-notification \(event 1\): The endpoint answered HTTP 503$/);

      receiver.answer = 200;
      await receiver.until(() => receiver.events().includes(1));
      await waitFor(async () => (await status(id)).status === 'active');
      assert.deepEqual((await status(id)).errors, [], 'no stale failure once delivered');

      // Off, then requested again: the update re-handshakes and delivery resumes.
      const handshakes = receiver.of('handshake').length;
      await engine.onSubscriptionWritten(id, await engine.validateSubscription({ ...subscription(endpoint, 'Condition?patient=Patient/s1'), status: 'off' }, OPEN_ACCESS));
      assert.equal((await status(id)).status, 'off');
      await engine.onSubscriptionWritten(id, await engine.validateSubscription(subscription(endpoint, 'Condition?patient=Patient/s1'), OPEN_ACCESS));
      await receiver.until(() => receiver.of('handshake').length === handshakes + 1);
      await write(store(), condition('c2', 's1', 'problem-list-item'), engine);
      await receiver.until(() => receiver.events().length === 2);
      assert.deepEqual(receiver.events(), [1, 2], 'numbered on from where it stopped');
    });
  });
}
