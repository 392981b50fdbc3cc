import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { loadResources } from '../../src/fhir/index.js';
import { fhirContextOf } from '../../src/http/index.js';
import { testEngines } from '../harness/engines.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition, subscription } from '../subscriptions/engine-harness.js';
import { Receiver } from '../subscriptions/receiver.js';

const OPERATOR = 'operator-secret-for-consent-tests';
const SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Condition.rs patient/Subscription.cruds patient/Consent.rs';
const CHANNEL = 'http://handover.example/fhir/CodeSystem/approval-channel';

/**
 * Issue 5 (a), black-box through the real server: every offline grant is backed by a Consent with
 * the Provenance of its approval, and ending either side ends everything that hangs off the grant —
 * from RFC 7009, the connected-apps page, the portal, or the FHIR API (PUT and PATCH). The next
 * FHIR request is 401 and the next notification is not sent (the subscription is off before
 * anything goes out). Revoking one access token ends that token and what was derived from it only.
 */
for (const engine of testEngines()) {
  describe(`consent as data and the revocation cascade [${engine}]`, () => {
    let server: TestServer;
    let flow: SmartFlow;
    let origin: string;
    let patientId = '';
    const user: [string, string] = ['consent-pat', 'patient-pass1'];
    const receivers: Receiver[] = [];
    const fhir = (path: string) => `${server.fhirBase}${path}`;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });

    before(async () => {
      server = await startTestServer(engine, { operatorToken: OPERATOR });
      origin = new URL(server.fhirBase).origin;
      patientId = (await http('POST', fhir('/Patient'), patientBody('Consenting'))).body.id;
      const auth = server.server.services.store.auth;
      await createUser(auth, { username: user[0], password: user[1], fhirUser: `Patient/${patientId}`, displayName: 'Connie Sent' }, Date.now());
      await createUser(auth, { username: 'consent-doc', password: 'doctor-password', fhirUser: 'Practitioner/cd1', displayName: 'Dr. Consent' }, Date.now());
      flow = await SmartFlow.register(server, { name: 'Registry app' });
    });
    after(async () => {
      for (const receiver of receivers) await receiver.stop();
      await server.close();
    });

    const consentOf = async (accessToken: string) => {
      const grant = await server.server.services.store.auth.getGrant(decodeJwt(accessToken).grant as string);
      assert.ok(grant?.consentId, 'the grant names its Consent');
      const read = await http('GET', fhir(`/Consent/${grant.consentId}`));
      assert.equal(read.status, 200, read.text);
      return read.body;
    };
    const waitFor = async (check: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 400; i++) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.fail(`timed out waiting for ${what}`);
    };

    /** A patient's standing sharing: tokens, a Consent, and a subscription whose handshake arrived. */
    const sharing = async (browser?: FormBrowser) => {
      const tokens = await flow.tokens(SCOPE, user, browser);
      const receiver = new Receiver();
      receivers.push(receiver);
      const created = await http('POST', fhir('/Subscription'), subscription(await receiver.start(), `Condition?patient=Patient/${patientId}`), as(tokens.access_token));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length >= 1);
      return { tokens, receiver, subscriptionId: created.body.id as string, consent: await consentOf(tokens.access_token) };
    };

    /** Everything of the grant ended: 401, refresh refused, Consent inactive, the next change not delivered. */
    const assertEnded = async (s: Awaited<ReturnType<typeof sharing>>) => {
      const next = await http('GET', fhir(`/Patient/${patientId}`), undefined, as(s.tokens.access_token));
      assert.equal(next.status, 401, 'the next FHIR request is refused');
      const refreshed = await oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), s.tokens.refresh_token!, INSECURE);
      assert.equal(refreshed.status, 400, 'the refresh token is dead');
      assert.equal((await http('GET', fhir(`/Consent/${s.consent.id}`))).body.status, 'inactive');
      await http('POST', fhir('/Condition'), condition('ignored', patientId, 'problem-list-item'));
      const records = server.server.services.store.subscriptions;
      // The round that would send the event finds the grant dead and turns the subscription off instead.
      await waitFor(async () => (await records.getSubscription(s.subscriptionId))?.status === 'off', 'the subscription to turn off');
      assert.match((await records.getSubscription(s.subscriptionId))!.error ?? '', /revoked/);
      assert.deepEqual(s.receiver.events(), [], 'no notification after the revocation');
    };

    it('an offline grant is backed by a Consent (readable through the API) and the Provenance of its approval', async () => {
      const { tokens, consent } = await sharing();
      assert.equal(consent.status, 'active');
      assert.equal(consent.scope.coding[0].code, 'patient-privacy');
      assert.equal(consent.patient.reference, `Patient/${patientId}`);
      assert.equal(consent.performer[0].reference, `Patient/${patientId}`);
      const provision = consent.provision;
      assert.equal(provision.type, 'permit');
      assert.equal(provision.actor[0].role.coding[0].code, 'IRCP');
      assert.match(provision.actor[0].reference.reference, /^Device\/app-[0-9a-f]{40}$/);
      assert.equal(provision.actor[0].reference.display, 'Registry app');
      assert.equal(provision.purpose[0].code, 'PATRQT');
      assert.deepEqual(provision.class.map((c: { code: string }) => c.code), ['Condition', 'Consent', 'Patient', 'Subscription']);
      const grant = await server.server.services.store.auth.getGrant(decodeJwt(tokens.access_token).grant as string);
      assert.equal(Date.parse(provision.period.start), grant!.createdAt);
      const device = await http('GET', fhir(`/${provision.actor[0].reference.reference}`));
      assert.equal(device.body.identifier[0].value, flow.client.client_id, 'the Device names the client_id');
      // Whoever may read Consent for the patient reads it: here the app itself with patient/Consent.rs.
      const own = await http('GET', fhir(`/Consent?patient=Patient/${patientId}`), undefined, as(tokens.access_token));
      assert.ok(own.body.entry.some((e: { resource: { id: string } }) => e.resource.id === consent.id), own.text);
      const provenance = await http('GET', fhir(`/Provenance?target=Consent/${consent.id}`));
      const approval = provenance.body.entry.map((e: { resource: unknown }) => e.resource)
        .find((p: { activity: { coding: { system: string; code: string }[] } }) => p.activity.coding.some((c) => c.system === CHANNEL && c.code === 'standalone-launch'));
      assert.ok(approval, provenance.text);
      assert.equal(approval.agent[0].who.reference, `Patient/${patientId}`);
      assert.equal(approval.target[0].reference, `Consent/${consent.id}/_history/1`);
    });

    it('a clinician\'s approval at an EHR launch is recorded as such (purpose treatment)', async () => {
      const app = await SmartFlow.register(server, { name: 'Launched registry', redirectUri: 'http://127.0.0.1:9/ehr-app/callback', launchUrl: 'http://127.0.0.1:9/ehr-app/launch' });
      const minted = await http('POST', `${origin}/auth/launches`, { client_id: app.client.client_id, user: 'consent-doc', patient: patientId },
        { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` });
      assert.equal(minted.status, 201, minted.text);
      const tokens = await app.launchTokens('launch offline_access patient/Condition.rs', minted.body.launch_url, ['consent-doc', 'doctor-password']);
      const consent = await consentOf(tokens.access_token);
      assert.equal(consent.performer[0].reference, 'Practitioner/cd1');
      assert.equal(consent.provision.purpose[0].code, 'TREAT');
      const provenance = await http('GET', fhir(`/Provenance?target=Consent/${consent.id}`));
      assert.ok(provenance.text.includes('"ehr-launch"'), provenance.text);
    });

    it('an online grant is no standing authorization: no Consent', async () => {
      const tokens = await flow.tokens('launch/patient patient/Patient.rs', user);
      const grant = await server.server.services.store.auth.getGrant(decodeJwt(tokens.access_token).grant as string);
      assert.equal(grant?.consentId, null);
    });

    it('RFC 7009 on the refresh token ends the grant, its subscription and its Consent', async () => {
      const s = await sharing();
      await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), s.tokens.refresh_token!, INSECURE));
      await assertEnded(s);
    });

    it('Revoke on the connected-apps page ends everything too', async () => {
      const browser = new FormBrowser();
      const s = await sharing(browser);
      await browser.open(`${origin}/auth/apps`, origin);
      const form = new URLSearchParams({ csrf: browser.formFields('/auth/sign-out').get('csrf')!, grant: decodeJwt(s.tokens.access_token).grant as string });
      await browser.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form });
      assert.equal(browser.lastUrl, `${origin}/auth/apps?revoked=1`);
      await assertEnded(s);
    });

    it('Stop sharing in the portal ends everything, only for the patient\'s own Consent', async () => {
      const browser = new FormBrowser();
      const s = await sharing(browser);
      const page = await browser.open(`${origin}/portal`, origin);
      assert.equal(page.status, 200);
      assert.ok(page.html!.includes(`name="consent" value="${s.consent.id}"`), 'a Stop sharing button for the Consent');
      const csrf = browser.formFields('/auth/sign-out').get('csrf')!;
      const stranger = await browser.open(`${origin}/portal/revoke`, origin, { method: 'POST', form: new URLSearchParams({ csrf, consent: 'not-a-consent-of-hers' }) });
      assert.equal(stranger.status, 404);
      const noCsrf = await browser.open(`${origin}/portal/revoke`, origin, { method: 'POST', form: new URLSearchParams({ consent: s.consent.id }) });
      assert.equal(noCsrf.status, 403);
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(s.tokens.access_token))).status, 200, 'nothing changed yet');
      await browser.open(`${origin}/portal/revoke`, origin, { method: 'POST', form: new URLSearchParams({ csrf, consent: s.consent.id }) });
      assert.equal(browser.lastUrl, `${origin}/portal?stopped=1`);
      await assertEnded(s);
      const provenance = await http('GET', fhir(`/Provenance?target=Consent/${s.consent.id}`));
      assert.ok(provenance.text.includes('"portal"'), 'the Provenance of the revocation names the portal');
    });

    it('the FHIR API setting Consent.status to inactive (PUT) ends everything', async () => {
      const s = await sharing();
      const { meta: _meta, ...consent } = s.consent;
      const put = await http('PUT', fhir(`/Consent/${s.consent.id}`), { ...consent, status: 'inactive' });
      assert.equal(put.status, 200, put.text);
      await assertEnded(s);
      const again = await http('PUT', fhir(`/Consent/${s.consent.id}`), { ...consent, status: 'active' });
      assert.equal(again.status, 409, 'an ended Consent is not resumed');
    });

    it('… and with JSON Patch; other changes to a grant-backed Consent are refused', async () => {
      const s = await sharing();
      const { meta: _meta, ...consent } = s.consent;
      const widened = await http('PUT', fhir(`/Consent/${s.consent.id}`), { ...consent, provision: { ...consent.provision, class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }] } });
      assert.equal(widened.status, 422, widened.text);
      const patched = await http('PATCH', fhir(`/Consent/${s.consent.id}`), JSON.stringify([{ op: 'replace', path: '/status', value: 'inactive' }]),
        { 'content-type': 'application/json-patch+json' });
      assert.equal(patched.status, 200, patched.text);
      await assertEnded(s);
    });

    it('after a crash between the two writes, the next start brings grant and Consent back in step', async () => {
      const services = server.server.services;
      // The Consent ended but its grants were not revoked (written around the FHIR API's after-commit step).
      const ended = await sharing();
      const { meta: _meta, ...consent } = ended.consent;
      await loadResources(fhirContextOf(services), [{ ...consent, status: 'inactive' }]);
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(ended.tokens.access_token))).status, 200, 'out of step');
      // The grant revoked but its Consent left active (revoked around the authorization server's records).
      const revoked = await sharing();
      await services.store.auth.revokeGrant(decodeJwt(revoked.tokens.access_token).grant as string, Date.now(), 'test');
      assert.equal((await http('GET', fhir(`/Consent/${revoked.consent.id}`))).body.status, 'active', 'out of step');
      assert.ok(await services.consent.reconcile() >= 2);
      await assertEnded(ended);
      await assertEnded(revoked);
    });

    it('revoking one access token ends it and the tokens derived from it, not the grant or its Consent', async () => {
      const s = await sharing();
      const derived = await fetch(`${origin}/auth/token`, { method: 'POST', body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', client_id: flow.client.client_id, subject_token: s.tokens.access_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'patient/Patient.rs',
      }) });
      assert.equal(derived.status, 200, await derived.clone().text());
      const derivedToken = (await derived.json() as { access_token: string }).access_token;
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(derivedToken))).status, 200);
      await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), s.tokens.access_token, INSECURE));
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(s.tokens.access_token))).status, 401);
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(derivedToken))).status, 401, 'the derived token dies with it');
      assert.equal((await http('GET', fhir(`/Consent/${s.consent.id}`))).body.status, 'active', 'the Consent stays');
      const refreshed = await oauth.processRefreshTokenResponse(flow.as, flow.client,
        await oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), s.tokens.refresh_token!, INSECURE));
      assert.equal((await http('GET', fhir(`/Patient/${patientId}`), undefined, as(refreshed.access_token))).status, 200, 'the grant lives on');
      await http('POST', fhir('/Condition'), condition('ignored', patientId, 'problem-list-item'));
      await s.receiver.until(() => s.receiver.events().length === 1);
    });
  });
}
