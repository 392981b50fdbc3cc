import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { recipientDeviceId } from '../../src/consent/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition, subscription } from '../subscriptions/engine-harness.js';
import { Receiver } from '../subscriptions/receiver.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
const FULL_RESOURCE = { _payload: { extension: [{ url: `${BACKPORT}backport-payload-content`, valueCode: 'full-resource' }] } };
const SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Condition.rs patient/Subscription.cruds';

type Entity = { what?: { reference: string }; role?: { code: string }; query?: string };
type Event = { subtype: { code: string }[]; entity: Entity[]; agent: { requestor: boolean; who: { reference?: string }; policy?: string[] }[]; type: { code: string } };
type Entry = { resource?: { resourceType: string; id: string; meta?: { versionId?: string } } };

/**
 * Issue 5 (a), the disclosure log: every read, search and notification that left for an outside
 * party is one AuditEvent per patient (BALP "Privacy Disclosure"), naming exactly the resource
 * versions that were sent — compared here with what the app and its endpoint actually received.
 * Refused requests and writes disclose nothing.
 */
for (const engine of testEngines()) {
  describe(`the disclosure log [${engine}]`, () => {
    let server: TestServer;
    let flow: SmartFlow;
    let patientId = '';
    let receiver: Receiver;
    const user: [string, string] = ['log-pat', 'patient-pass1'];
    const fhir = (path: string) => `${server.fhirBase}${path}`;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const refOf = (r: NonNullable<Entry['resource']>) => `${r.resourceType}/${r.id}/_history/${r.meta!.versionId}`;

    before(async () => {
      server = await startTestServer(engine);
      patientId = (await http('POST', fhir('/Patient'), patientBody('Logged'))).body.id;
      await createUser(server.server.services.store.auth, { username: user[0], password: user[1], fhirUser: `Patient/${patientId}`, displayName: 'Lou Logged' }, Date.now());
      flow = await SmartFlow.register(server, { name: 'Audited app' });
      receiver = new Receiver();
    });
    after(async () => {
      await receiver.stop();
      await server.close();
    });

    it('reads, searches and notifications are logged with exactly the versions sent; refusals and writes are not', async () => {
      const tokens = await flow.tokens(SCOPE, user);
      const grant = await server.server.services.store.auth.getGrant(decodeJwt(tokens.access_token).grant as string);
      for (const id of ['log-c1', 'log-c2']) await http('PUT', fhir(`/Condition/${id}`), condition(id, patientId, 'problem-list-item'));
      // Version 2 of one of them: the log must name the version that was sent, not just the id.
      await http('PUT', fhir('/Condition/log-c2'), condition('log-c2', patientId, 'problem-list-item', { note: [{ text: 'v2' }] }));

      const read = await http('GET', fhir(`/Patient/${patientId}`), undefined, as(tokens.access_token));
      assert.equal(read.status, 200);
      const search = await http('GET', fhir(`/Condition?patient=Patient/${patientId}`), undefined, as(tokens.access_token));
      assert.equal(search.status, 200);
      const searched = (search.body.entry as Entry[]).map((e) => refOf(e.resource!)).sort();
      assert.deepEqual(searched, ['Condition/log-c1/_history/1', 'Condition/log-c2/_history/2']);
      assert.equal((await http('GET', fhir('/Condition/nowhere'), undefined, as(tokens.access_token))).status, 404);
      assert.equal((await http('GET', fhir('/Observation'), undefined, as(tokens.access_token))).status, 403);
      const created = await http('POST', fhir('/Subscription'), subscription(await receiver.start(), `Condition?patient=Patient/${patientId}`, FULL_RESOURCE),
        as(tokens.access_token));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length >= 1);
      await http('PUT', fhir('/Condition/log-c3'), condition('log-c3', patientId, 'problem-list-item'));
      await receiver.until(() => receiver.events().includes(1));
      const notified = receiver.received.find((r) => r.eventNumbers.includes(1))!.bundle.entry.slice(1)
        .flatMap((e) => (e.resource ? [refOf(e.resource as NonNullable<Entry['resource']>)] : [])).sort();
      assert.ok(notified.includes('Condition/log-c3/_history/1'), JSON.stringify(notified));

      // The endpoint has it; the server records the disclosure once the 2xx is back, before marking the event delivered.
      for (let i = 0; i < 400 && ((await server.server.services.store.subscriptions.getSubscription(created.body.id))?.lastDelivered ?? 0) < 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await server.server.services.disclosures.materialize();
      const device = `Device/${recipientDeviceId(flow.client.client_id)}`;
      const logged = await http('GET', fhir(`/AuditEvent?agent=${device}&_count=100`));
      assert.equal(logged.status, 200, logged.text);
      const events = (logged.body.entry as { resource: Event }[]).map((e) => e.resource);
      const sent = (event: Event) => event.entity.filter((e) => e.role?.code === '4' && !e.what!.reference.startsWith('Subscription/')).map((e) => e.what!.reference).sort();
      const byKind = (code: string) => events.filter((e) => e.subtype.some((s) => s.code === code));

      assert.equal(events.length, 3, `one read, one search, one notification: ${JSON.stringify(events.map((e) => e.subtype))}`);
      assert.deepEqual(byKind('read').map(sent), [[`Patient/${patientId}/_history/1`]]);
      assert.deepEqual(byKind('search-type').map(sent), [searched]);
      assert.deepEqual(byKind('notification').map(sent), [notified]);
      for (const event of events) {
        assert.equal(event.type.code, '110106', 'BALP: Export');
        assert.ok(event.subtype.some((s) => s.code === 'disclose'));
        assert.ok(event.entity.some((e) => e.role?.code === '1' && e.what!.reference === `Patient/${patientId}`), 'the patient entity');
        const recipient = event.agent.find((a) => a.requestor)!;
        assert.equal(recipient.who.reference, device);
        assert.deepEqual(recipient.policy, [`Consent/${grant!.consentId}`]);
      }
      const query = byKind('search-type')[0]!.entity.find((e) => e.role?.code === '24')!.query!;
      assert.equal(Buffer.from(query, 'base64').toString(), `Condition?patient=Patient%2F${patientId}`);
      // The patient sees them too, through the API, in their own compartment.
      const own = await flow.tokens('launch/patient patient/AuditEvent.rs', user);
      const mine = await http('GET', fhir(`/AuditEvent?agent=${device}`), undefined, as(own.access_token));
      assert.equal(mine.body.entry.length, 3, mine.text);
    });

    it('what a derived token (RFC 8693) received is logged under the recipient that derived it, naming the holder', async () => {
      const keys = await generateKeyPair('ES384', { extractable: true });
      const worker = (await http('POST', `${flow.origin}/auth/register`, {
        client_name: 'Audited worker', grant_types: ['refresh_token'], token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'w1', alg: 'ES384' }] }, scope: 'patient/*.rs',
      }, { 'content-type': 'application/json' })).body.client_id as string;
      const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'w1' }).setIssuer(worker).setSubject(worker)
        .setAudience(flow.as.token_endpoint!).setJti(randomUUID()).setExpirationTime('2m').sign(keys.privateKey);
      const parent = await flow.tokens(SCOPE, user);
      const exchanged = await oauth.genericTokenEndpointRequest(flow.as, flow.client, oauth.None(), 'urn:ietf:params:oauth:grant-type:token-exchange',
        new URLSearchParams({ subject_token: parent.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'patient/Patient.rs',
          actor_token: assertion, actor_token_type: 'urn:ietf:params:oauth:token-type:jwt' }), INSECURE);
      const derived = await exchanged.json() as { access_token: string };
      assert.equal(exchanged.status, 200, JSON.stringify(derived));
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(derived.access_token))).status, 200);
      await server.server.services.disclosures.materialize();
      const holder = `Device/${recipientDeviceId(worker)}`;
      const events = ((await http('GET', fhir(`/AuditEvent?agent=${holder}`))).body.entry as { resource: Event }[]).map((e) => e.resource);
      assert.equal(events.length, 1);
      const recipient = events[0]!.agent.find((a) => a.requestor)!;
      assert.equal(recipient.who.reference, `Device/${recipientDeviceId(flow.client.client_id)}`, 'the recipient that derived the token');
      assert.ok(events[0]!.agent.some((a) => !a.requestor && a.who.reference === holder), 'the holder, acting for it');
    });

    it('repeated reads of one chart between two materializations are one AuditEvent that counts them and spans their time', async () => {
      const tokens = await flow.tokens(SCOPE, user);
      // The once-a-second materialization would cut the five reads in two batches at random: paused here.
      await server.server.services.disclosures.stop();
      const device = `Device/${recipientDeviceId(flow.client.client_id)}`;
      const before = new Set(((await http('GET', fhir(`/AuditEvent?agent=${device}&_count=100`))).body.entry as { resource: { id: string } }[]).map((e) => e.resource.id));
      for (let i = 0; i < 5; i++) assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(tokens.access_token))).status, 200);
      await server.server.services.disclosures.materialize();
      server.server.services.disclosures.start();
      const after = ((await http('GET', fhir(`/AuditEvent?agent=${device}&_count=100`))).body.entry as { resource: Event & { id: string; period: { start: string; end: string };
        extension?: { url: string; valueInteger: number }[] } }[]).map((e) => e.resource).filter((e) => !before.has(e.id));
      assert.equal(after.length, 1, JSON.stringify(after.map((e) => e.subtype)));
      const [event] = after;
      assert.deepEqual(event!.subtype.map((s) => s.code), ['disclose', 'read']);
      assert.equal(event!.extension!.find((x) => x.url.endsWith('/disclosure-count'))!.valueInteger, 5);
      assert.ok(Date.parse(event!.period.start) <= Date.parse(event!.period.end));
      assert.deepEqual(event!.entity.filter((e) => e.role?.code === '4').map((e) => e.what!.reference), [`Patient/${patientId}/_history/1`]);
    });

    it('a batch at the base is logged like any other response (it has no query of its own)', async () => {
      const tokens = await flow.tokens(SCOPE, user);
      const batch = await http('POST', fhir(''), { resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `Patient/${patientId}` } }] }, as(tokens.access_token));
      assert.equal(batch.status, 200, batch.text);
      const sent = (batch.body.entry as { resource: NonNullable<Entry['resource']> }[]).map((e) => refOf(e.resource));
      assert.equal(sent.length, 1);
      // It once recorded an empty query, which no AuditEvent may carry: every materialization of the batch failed.
      await server.server.services.disclosures.materialize();
      const device = `Device/${recipientDeviceId(flow.client.client_id)}`;
      const events = ((await http('GET', fhir(`/AuditEvent?agent=${device}&subtype=batch`))).body.entry as { resource: Event }[] | undefined ?? []).map((e) => e.resource);
      assert.equal(events.length, 1, JSON.stringify(events));
      assert.deepEqual(events[0]!.entity.filter((e) => e.role?.code === '4').map((e) => e.what!.reference).sort(), sent);
      assert.ok(!events[0]!.entity.some((e) => e.role?.code === '24'), 'no query entity');
    });

    it('a row the write path refuses, or cannot read, holds back no one else\'s AuditEvent', async () => {
      const { store, disclosures } = server.server.services;
      await disclosures.stop();
      const tokens = await flow.tokens(SCOPE, user);
      const grantId = decodeJwt(tokens.access_token).grant as string;
      const row = (id: string, detail: string, resources: string) => ({ id, recordedAt: Date.now(), grantId, clientId: flow.client.client_id, consentId: null,
        kind: 'read', detail, resources, materializedAt: null });
      // Rows no write should ever make: an empty reference (no FHIR string is empty) and unreadable JSON.
      await store.consent.recordDisclosures([row(randomUUID(), '{}', '[""]'), row(randomUUID(), '{', '[]')]);
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(tokens.access_token))).status, 200);
      const device = `Device/${recipientDeviceId(flow.client.client_id)}`;
      const before = (await http('GET', fhir(`/AuditEvent?agent=${device}&subtype=read&_count=200`))).body.entry?.length ?? 0;
      await disclosures.materialize();
      disclosures.start();
      const after = (await http('GET', fhir(`/AuditEvent?agent=${device}&subtype=read&_count=200`))).body.entry?.length ?? 0;
      assert.equal(after - before, 1, 'the good read has its AuditEvent');
      // Nothing is left pending: the next pass does not fail on them again.
      assert.deepEqual((await store.consent.pendingDisclosures(1000)).filter((r) => r.grantId === grantId), []);
    });

    it('a search over several patients gives one AuditEvent per patient (BALP)', async () => {
      const otherId = (await http('POST', fhir('/Patient'), patientBody('Other'))).body.id;
      await http('PUT', fhir('/Condition/log-o1'), condition('log-o1', otherId, 'problem-list-item'));
      const before = (await http('GET', fhir(`/AuditEvent?patient=Patient/${otherId}`))).body.entry?.length ?? 0;
      // The suite's backend service is an outside party too.
      const search = await http('GET', fhir(`/Condition?_id=log-c1,log-o1`));
      assert.equal(search.body.entry.length, 2);
      await server.server.services.disclosures.materialize();
      const forOther = (await http('GET', fhir(`/AuditEvent?patient=Patient/${otherId}&subtype=search-type`))).body.entry as { resource: Event }[];
      assert.equal(forOther.length - before, 1);
      const latest = forOther.map((e) => e.resource).find((e) => e.entity.some((x) => x.what?.reference === 'Condition/log-o1/_history/1'))!;
      assert.ok(!latest.entity.some((x) => x.what?.reference?.startsWith('Condition/log-c1')), 'the other patient\'s event names only their resources');
    });
  });
}
