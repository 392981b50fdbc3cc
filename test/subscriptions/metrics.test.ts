import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';
import { condition, heartbeat, subscription } from './engine-harness.js';
import { Receiver } from './receiver.js';

/** Issue 4: delivery attempts and results are visible in /metrics, scraped over HTTP after real deliveries. */
for (const engine of testEngines()) {
  describe(`subscription metrics [${engine}]`, () => {
    let server: TestServer;
    const receiver = new Receiver();

    before(async () => {
      server = await startTestServer(engine);
    });
    after(async () => {
      await receiver.stop();
      await server.close();
    });

    const scrape = async () => {
      const response = await fetch(`${server.url}/metrics`);
      assert.equal(response.status, 200);
      return response.text();
    };
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? NaN : Number(line.slice(series.length + 1));
    };

    it('counts handshakes, deliveries by outcome, retries, heartbeats and recorded events; shows the queue depth, statuses and latencies', async () => {
      const endpoint = await receiver.start();
      const patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Metered'))).body.id as string;
      const created = await http('POST', `${server.fhirBase}/Subscription`, subscription(endpoint, `Condition?patient=Patient/${patientId}`, { extension: [heartbeat(1)] }));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length === 1);
      await http('POST', `${server.fhirBase}/Condition`, condition('x', patientId, 'problem-list-item'));
      await receiver.until(() => receiver.events().includes(1));

      receiver.answer = 503;
      await http('POST', `${server.fhirBase}/Condition`, condition('x', patientId, 'problem-list-item'));
      await http('POST', `${server.fhirBase}/Condition`, condition('x', patientId, 'problem-list-item'));
      let failing = '';
      for (let i = 0; i < 100; i++) {
        failing = await scrape();
        if (value(failing, 'handover_subscription_deliveries_total{channel="rest-hook",outcome="failed"}') >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(value(failing, 'handover_subscription_queue_depth') >= 1, 'the undelivered events are queued');
      assert.equal(value(failing, 'handover_subscriptions{status="error"}'), 1);

      receiver.answer = 200;
      await receiver.until(() => receiver.events().includes(3), 15_000);
      await receiver.until(() => receiver.received.filter((r) => r.type === 'heartbeat').length >= 1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const text = await scrape();
      assert.equal(value(text, 'handover_subscription_handshakes_total{channel="rest-hook",outcome="delivered"}'), 1);
      assert.ok(value(text, 'handover_subscription_deliveries_total{channel="rest-hook",outcome="delivered"}') >= 2, text);
      assert.ok(value(text, 'handover_subscription_deliveries_total{channel="rest-hook",outcome="failed"}') >= 1);
      assert.ok(value(text, 'handover_subscription_retries_total{channel="rest-hook"}') >= 1);
      assert.ok(value(text, 'handover_subscription_heartbeats_total{channel="rest-hook",outcome="delivered"}') >= 1);
      assert.equal(value(text, 'handover_subscription_events_recorded_total'), 3);
      assert.equal(value(text, 'handover_subscription_queue_depth'), 0, 'everything was delivered');
      assert.equal(value(text, 'handover_subscriptions{status="active"}'), 1);
      assert.equal(value(text, 'handover_subscriptions{status="error"}'), 0);
      assert.equal(value(text, 'handover_subscription_delivery_latency_seconds_count{channel="rest-hook"}'), 3, 'one latency per delivered event');
      assert.ok(value(text, 'handover_subscription_delivery_latency_seconds_sum{channel="rest-hook"}') > 0);
      assert.ok(value(text, 'handover_subscription_matcher_lag_seconds_count') >= 3, 'a lag per change read');
    });
  });
}
