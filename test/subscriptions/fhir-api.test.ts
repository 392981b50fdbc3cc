import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { http, patientBody } from '../harness/fhir-http.js';
import { describeEachEngine } from '../harness/test-server.js';
import { condition, subscription } from './engine-harness.js';
import { Receiver } from './receiver.js';

const PROBLEM_LIST = 'http://handover.example/fhir/SubscriptionTopic/problem-list-changed';

/**
 * Subscriptions through the FHIR REST API of the real server with a real token: create → handshake
 * → active; a problem-list change → a numbered notification; `$status`, `$events`; refusals name
 * the element.
 */
describeEachEngine('Subscriptions through the FHIR API', (server) => {
  const receiver = new Receiver();
  let endpoint = '';
  let patientId = '';
  let subscriptionId = '';
  before(async () => {
    endpoint = await receiver.start();
    patientId = (await http('POST', `${server().fhirBase}/Patient`, patientBody('Subscribed'))).body.id;
  });
  after(() => receiver.stop());

  const waitFor = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  };

  it('creates a subscription: 201, handshake, then active', async () => {
    const created = await http('POST', `${server().fhirBase}/Subscription`, subscription(endpoint, `Condition?patient=Patient/${patientId}`));
    assert.equal(created.status, 201, created.text);
    subscriptionId = created.body.id;
    await receiver.until(() => receiver.of('handshake').length >= 1);
    await waitFor(async () => (await http('GET', `${server().fhirBase}/Subscription/${subscriptionId}`)).body.status === 'active', 'active');
  });

  it('a problem-list change arrives as event 1; $status and $events tell the truth', async () => {
    const written = await http('POST', `${server().fhirBase}/Condition`, condition('ignored', patientId, 'problem-list-item'));
    assert.equal(written.status, 201, written.text);
    await receiver.until(() => receiver.events().length >= 1);
    assert.deepEqual(receiver.events(), [1]);
    const status = await http('GET', `${server().fhirBase}/Subscription/${subscriptionId}/$status`);
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.type, 'searchset');
    const parameters = status.body.entry[0].resource.parameter as { name: string; valueString?: string; valueInteger64?: string }[];
    const since = parameters.find((p) => p.name === 'events-since-subscription-start');
    assert.equal(String(since?.valueString ?? since?.valueInteger64 ?? (since as Record<string, unknown>)?.valueUnsignedInt), '1');
    const events = await http('GET', `${server().fhirBase}/Subscription/${subscriptionId}/$events?eventsSinceNumber=1`);
    assert.equal(events.status, 200, events.text);
    assert.equal(events.body.type, 'history');
    assert.ok(events.body.entry.some((e: { fullUrl?: string }) => e.fullUrl?.endsWith(`Condition/${written.body.id}`)));
    const typeLevel = await http('GET', `${server().fhirBase}/Subscription/$status`);
    assert.equal(typeLevel.status, 200, typeLevel.text);
    assert.ok(typeLevel.body.entry.length >= 1);
  });

  it('refuses what it cannot honour, naming the element, and changes nothing', async () => {
    const unknownTopic = { ...subscription(endpoint, `Condition?patient=Patient/${patientId}`), criteria: 'http://example.org/no-such-topic' };
    const refused = await http('POST', `${server().fhirBase}/Subscription`, unknownTopic);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.resourceType, 'OperationOutcome');
    assert.ok(JSON.stringify(refused.body.issue).includes('Subscription.criteria'), refused.text);
    const badFilter = await http('POST', `${server().fhirBase}/Subscription`, subscription(endpoint, 'Condition?onset-date=2020'));
    assert.equal(badFilter.status, 400, badFilter.text);
    const patch = await http('PATCH', `${server().fhirBase}/Subscription/${subscriptionId}`, [{ op: 'replace', path: '/reason', value: 'x' }], { 'content-type': 'application/json-patch+json' });
    assert.equal(patch.status, 405);
    const inTransaction = await http('POST', server().fhirBase, {
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: { ...subscription(endpoint, `Condition?patient=Patient/${patientId}`), criteria: 'http://example.org/nope' }, request: { method: 'POST', url: 'Subscription' } }],
    });
    assert.equal(inTransaction.status, 400, 'validated inside a transaction too');
  });

  it('a Subscription in a transaction Bundle starts once the Bundle committed', async () => {
    const handshakes = receiver.of('handshake').length;
    const bundle = await http('POST', server().fhirBase, {
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: subscription(endpoint, `Condition?patient=Patient/${patientId}`), request: { method: 'POST', url: 'Subscription' } }],
    });
    assert.equal(bundle.status, 200, bundle.text);
    await receiver.until(() => receiver.of('handshake').length > handshakes);
  });

  it('advertises the topics and the operations, and serves the topics as Basic', async () => {
    const metadata = await http('GET', `${server().fhirBase}/metadata`);
    const entry = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
    assert.ok(entry.extension.some((e: { valueCanonical?: string }) => e.valueCanonical === PROBLEM_LIST));
    assert.deepEqual(entry.operation.map((o: { name: string }) => o.name).sort(), ['events', 'get-ws-binding-token', 'status']);
    const topics = await http('GET', `${server().fhirBase}/Basic?_count=50`);
    assert.ok(JSON.stringify(topics.body).includes(PROBLEM_LIST));
  });
});
