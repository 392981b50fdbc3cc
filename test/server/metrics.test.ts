import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

describeEachEngine('Prometheus /metrics', (server) => {
  test('counts requests by route and status, times them, and counts resource writes', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody());
    await http('GET', `${server().fhirBase}/Patient/${created.body.id}`);
    await http('DELETE', `${server().fhirBase}/Patient/${created.body.id}`);
    await http('GET', `${server().fhirBase}/Patient/${created.body.id}`);
    const response = await fetch(`${server().url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /handover_http_requests_total\{method="POST",route="\/fhir\/:type",status="201"\} 1/);
    assert.match(text, /handover_http_requests_total\{method="GET",route="\/fhir\/:type",status="410"\} 1/);
    assert.match(text, /handover_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/fhir\/:type"\} \d+/);
    assert.match(text, /handover_resource_writes_total\{type="Patient",interaction="create"\} 1/);
    assert.match(text, /handover_resource_writes_total\{type="Patient",interaction="delete"\} 1/);
    assert.match(text, /handover_process_cpu_seconds_total/);
  });
});
