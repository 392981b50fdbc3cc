import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryConcurrencyFor } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition, subscription } from './engine-harness.js';
import { Receiver } from './receiver.js';

const SLOW = 20;

/**
 * A slow or hanging endpoint never holds back other subscriptions: rounds wait on their endpoints
 * side by side, up to `--delivery-concurrency` at once (64 on SQLite, 16 on PostgreSQL by default).
 */
for (const engine of testEngines()) {
  describe(`slow endpoints [${engine}]`, () => {
    let server: TestServer;
    const slow = new Receiver();
    const healthy = new Receiver();
    const fhir = (path: string) => `${server.fhirBase}${path}`;

    before(async () => {
      server = await startTestServer(engine, { deliveryConcurrency: String(SLOW + 4) });
      slow.holdOnly = 'event-notification';
      slow.holdMs = 4000;
    });
    after(async () => {
      await slow.stop();
      await healthy.stop();
      await server.close();
    });

    it(`a healthy endpoint is notified at once while ${SLOW} others hang`, async () => {
      const [slowEndpoint, healthyEndpoint] = [await slow.start(), await healthy.start()];
      const patients: string[] = [];
      for (let i = 0; i <= SLOW; i++) patients.push((await http('POST', fhir('/Patient'), patientBody(`Slow ${i}`))).body.id);
      for (const [i, patient] of patients.entries()) {
        const created = await http('POST', fhir('/Subscription'), subscription(i < SLOW ? slowEndpoint : healthyEndpoint, `Condition?patient=Patient/${patient}`));
        assert.equal(created.status, 201, created.text);
      }
      await slow.until(() => slow.of('handshake').length === SLOW);
      await healthy.until(() => healthy.of('handshake').length === 1);
      // The slow ones' changes first: their rounds are all waiting on the endpoint when the healthy one's change comes.
      for (const patient of patients.slice(0, SLOW)) await http('POST', fhir('/Condition'), condition('x', patient, 'problem-list-item'));
      await slow.until(() => slow.of('event-notification').length === SLOW, 3000);
      const written = Date.now();
      await http('POST', fhir('/Condition'), condition('x', patients[SLOW]!, 'problem-list-item'));
      await healthy.until(() => healthy.events().length === 1, 3000);
      assert.ok(Date.now() - written < 2000, `notified after ${Date.now() - written} ms, not after the slow endpoints answered`);
    });

    it('the default is the engine\'s', async () => {
      const defaults = await startTestServer(engine);
      try {
        assert.equal(defaults.server.services.subscriptions.options.concurrency, deliveryConcurrencyFor(engine));
      } finally {
        await defaults.close();
      }
    });
  });
}
