import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition, subscription } from './engine-harness.js';
import { Receiver, type Parameter } from './receiver.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
const FULL_RESOURCE = { _payload: { extension: [{ url: `${BACKPORT}backport-payload-content`, valueCode: 'full-resource' }] } };
const BASE_SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Subscription.cruds';

/**
 * Issue 4 (b), black-box through the real server with real tokens: a subscription belongs to the
 * grant that created it, asks only for what that grant may read, never outlives it, and at send
 * time carries only what the grant covers now.
 */
for (const engine of testEngines()) {
  describe(`subscriptions bound to the grant [${engine}]`, () => {
    let server: TestServer;
    let flow: SmartFlow;
    let patientId = '';
    let otherPatientId = '';
    const user: [string, string] = ['sub-pat', 'patient-pass1'];
    const receivers: Receiver[] = [];
    const fhir = (path: string) => `${server.fhirBase}${path}`;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const newReceiver = async () => {
      const receiver = new Receiver();
      receivers.push(receiver);
      return { receiver, endpoint: await receiver.start() };
    };
    const tokenFor = async (scope: string) => (await flow.tokens(scope, user));
    const waitFor = async (check: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 200; i++) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.fail(`timed out waiting for ${what}`);
    };

    before(async () => {
      server = await startTestServer(engine);
      patientId = (await http('POST', fhir('/Patient'), patientBody('Own'))).body.id;
      otherPatientId = (await http('POST', fhir('/Patient'), patientBody('Other'))).body.id;
      await createUser(server.server.services.store.auth, { username: user[0], password: user[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      flow = await SmartFlow.register(server);
    });
    after(async () => {
      for (const receiver of receivers) await receiver.stop();
      await server.close();
    });

    it('a patient/ token subscribes for its own patient (201, end capped by the grant), not for another or for everyone (403 naming the filter)', async () => {
      const { access_token: token } = await tokenFor(`${BASE_SCOPE} patient/Condition.rs`);
      const { endpoint } = await newReceiver();
      const own = await http('POST', fhir('/Subscription'), { ...subscription(endpoint, `Condition?patient=Patient/${patientId}`), end: '2100-01-01T00:00:00Z' }, as(token));
      assert.equal(own.status, 201, own.text);
      const end = Date.parse(own.body.end);
      assert.ok(end < Date.parse('2100-01-01T00:00:00Z') && end > Date.now(), `end capped to the offline grant's lifetime: ${own.body.end}`);
      const other = await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${otherPatientId}`), as(token));
      assert.equal(other.status, 403, other.text);
      assert.ok(JSON.stringify(other.body.issue).includes('Subscription.criteria'), other.text);
      const unfiltered = await http('POST', fhir('/Subscription'), subscription(endpoint, 'Condition?clinical-status=active'), as(token));
      assert.equal(unfiltered.status, 403, unfiltered.text);
    });

    it('sees only its own subscriptions: search, read (404 for others), $status', async () => {
      const { access_token: token } = await tokenFor(`${BASE_SCOPE} patient/Condition.rs`);
      const { endpoint } = await newReceiver();
      const mine = (await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${patientId}`), as(token))).body.id as string;
      // The backend service (the suite's default token) subscribes for the other patient.
      const theirs = await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${otherPatientId}`));
      assert.equal(theirs.status, 201, theirs.text);
      const search = await http('GET', fhir('/Subscription'), undefined, as(token));
      assert.equal(search.status, 200, search.text);
      const ids = (search.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id) as string[];
      assert.ok(ids.includes(mine), 'its own subscription is found');
      assert.ok(!ids.includes(theirs.body.id), 'someone else\'s subscription is not');
      assert.ok(!JSON.stringify(search.body).includes(flow.client.client_id), 'no owner in clear');
      assert.equal((await http('GET', fhir(`/Subscription/${theirs.body.id}`), undefined, as(token))).status, 404);
      assert.equal((await http('GET', fhir(`/Subscription/${theirs.body.id}/$status`), undefined, as(token))).status, 404);
      assert.equal((await http('DELETE', fhir(`/Subscription/${theirs.body.id}`), undefined, as(token))).status, 404);
      const status = await http('GET', fhir('/Subscription/$status'), undefined, as(token));
      assert.equal(status.status, 200, status.text);
      const listed = (status.body.entry as { resource: { parameter: Parameter[] } }[])
        .map((e) => e.resource.parameter.find((p) => p.name === 'subscription')!.valueReference!.reference);
      assert.ok(listed.some((url) => url.endsWith(`/Subscription/${mine}`)));
      assert.ok(!listed.some((url) => url.endsWith(`/Subscription/${theirs.body.id}`)));
      // The backend service sees its client's subscriptions, not the patient's.
      assert.equal((await http('GET', fhir(`/Subscription/${mine}`))).status, 404);
      assert.equal((await http('GET', fhir(`/Subscription/${theirs.body.id}`))).status, 200);
    });

    it('refuses without a Subscription create scope, or when the topic\'s resources are not readable (403)', async () => {
      const { endpoint } = await newReceiver();
      const body = subscription(endpoint, `Condition?patient=Patient/${patientId}`);
      const readOnly = await tokenFor('launch/patient patient/Patient.rs patient/Subscription.rs patient/Condition.rs');
      assert.equal((await http('POST', fhir('/Subscription'), body, as(readOnly.access_token))).status, 403);
      const noConditions = await tokenFor('launch/patient patient/Patient.rs patient/Subscription.cruds');
      const refused = await http('POST', fhir('/Subscription'), body, as(noConditions.access_token));
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.text, /Condition/);
    });

    it('an event the grant no longer covers goes out at empty level, keeps its number, and $status says why', async () => {
      const { access_token: token } = await tokenFor(`${BASE_SCOPE} patient/Condition.rs?category=problem-list-item`);
      const { receiver, endpoint } = await newReceiver();
      const created = await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${patientId}`, FULL_RESOURCE), as(token));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length >= 1);
      const written = await http('POST', fhir('/Condition'), condition('ignored', patientId, 'problem-list-item'));
      await receiver.until(() => receiver.events().includes(1));
      const first = receiver.received.find((r) => r.eventNumbers.includes(1))!;
      assert.ok(first.bundle.entry.some((e) => e.resource?.resourceType === 'Condition'), 'event 1 carries the Condition');
      // Leaving the problem list fires the topic; the new version is outside the granular scope.
      const moved = await http('PUT', fhir(`/Condition/${written.body.id}`), { ...condition(written.body.id, patientId, 'encounter-diagnosis') });
      assert.equal(moved.status, 200, moved.text);
      await receiver.until(() => receiver.events().includes(2));
      const second = receiver.received.find((r) => r.eventNumbers.includes(2))!;
      assert.equal(second.bundle.entry.length, 1, 'only the status: no focus, no resource');
      const event = second.bundle.entry[0]!.resource!.parameter!.find((p) => p.name === 'notification-event')!;
      assert.ok(!event.part!.some((p) => p.name === 'focus'));
      assert.match(JSON.stringify(second.bundle.entry[0]!.resource!.parameter!.find((p) => p.name === 'error')), /empty level: event 2/);
      const statusError = async () => {
        const status = await http('GET', fhir(`/Subscription/${created.body.id}/$status`), undefined, as(token));
        return JSON.stringify(status.body.entry[0].resource.parameter.find((p: Parameter) => p.name === 'error') ?? '');
      };
      await waitFor(async () => /empty level: event 2/.test(await statusError()), '$status to show the reason');
    });

    it('revoking the grant turns its subscription off: the next change is not delivered', async () => {
      const tokens = await tokenFor(`${BASE_SCOPE} patient/Condition.rs`);
      const { receiver, endpoint } = await newReceiver();
      const created = await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${patientId}`), as(tokens.access_token));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length >= 1);
      await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE));
      await http('POST', fhir('/Condition'), condition('ignored', patientId, 'problem-list-item'));
      // A new authorization of the same app by the same patient user sees the subscription (same party).
      const again = await tokenFor(`${BASE_SCOPE} patient/Condition.rs`);
      await waitFor(async () => (await http('GET', fhir(`/Subscription/${created.body.id}`), undefined, as(again.access_token))).body?.status === 'off', 'off');
      const read = await http('GET', fhir(`/Subscription/${created.body.id}`), undefined, as(again.access_token));
      assert.match(read.body.error ?? '', /revoked/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(receiver.events(), [], 'nothing was sent after the revocation');
    });
  });
}
