import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { invitationLinkIn, SmtpReceiver } from '../harness/smtp-receiver.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { signIn } from '../harness/user-pages.js';
import { condition } from '../subscriptions/engine-harness.js';
import { introspect, refer, refresh, type Referral } from './handover-harness.js';

const OPERATOR = 'operator-secret-for-handover-tests';
const EMAIL = 'ada.handover@example.org';
const CHANNEL = 'http://handover.example/fhir/CodeSystem/approval-channel';

/**
 * Issue 5 b, the whole handover black-box: a clinician refers the patient (EHR launch, offline
 * grant, a subscription delivering event 1) → the invitation email arrives at a real SMTP server →
 * the patient opens its link in Chromium, signs in, reviews and approves → the recipient notices
 * nothing but a grant that still works: the same tokens, its refresh token, and the next change
 * delivered as event 2 on the same subscription; the grant is now backed by the patient's Consent.
 */
describe('the handover from clinician to patient in Chromium', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  for (const engine of testEngines()) {
    describe(`[${engine}]`, () => {
      let server: TestServer;
      const smtp = new SmtpReceiver();
      let patientId = '';
      let referral: Referral | undefined;

      before(async () => {
        server = await startTestServer(engine, { operatorToken: OPERATOR, smtpUrl: await smtp.start(), mailFrom: 'Handover test <handover@example.org>' });
        patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Handover', { telecom: [{ system: 'email', value: EMAIL, use: 'home' }] }))).body.id;
        const auth = server.server.services.store.auth;
        await createUser(auth, { username: 'hand-doc', password: 'doctor-password', fhirUser: 'Practitioner/hd1', displayName: 'Dr. Hand Over' }, Date.now());
        await createUser(auth, { username: 'ada', password: 'patient-password', fhirUser: `Patient/${patientId}`, displayName: 'Ada Handover' }, Date.now());
      });
      after(async () => {
        await referral?.receiver.stop();
        await server?.close();
        await smtp.stop();
      });

      it('referral → email → the patient approves in the browser → the grant and its subscription go on', async () => {
        referral = await refer(server, { operator: OPERATOR, clinician: ['hand-doc', 'doctor-password'], patientId, clientName: 'Rare Disease Registry' });
        const r = referral;
        await http('POST', `${server.fhirBase}/Condition`, condition('before', patientId, 'problem-list-item'));
        await r.receiver.until(() => r.receiver.events().length === 1);
        assert.deepEqual(r.receiver.events(), [1]);
        const store = server.server.services.store;
        const clinicianConsent = (await store.auth.getGrant(r.grantId))!.consentId!;

        const mail = await smtp.next(EMAIL);
        assert.match(mail.raw, /^From: Handover test <handover@example\.org>/m);
        assert.match(mail.text, /Dr\. Hand Over shared your health records with Rare Disease Registry/);
        const link = invitationLinkIn(mail);
        assert.ok(link.startsWith(`${new URL(server.fhirBase).origin}/portal/invitation/`), link);

        // A phone-sized screen, answered with the keyboard: the review must work for both.
        const page = await (await browser().newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
        await page.goto(link);
        await signIn(page, 'ada', 'patient-password');
        await page.getByRole('heading', { name: 'Rare Disease Registry receives your records' }).waitFor();
        const review = await page.locator('main').innerText();
        assert.match(review, /Dr\. Hand Over shared your health records with Rare Disease Registry/);
        assert.match(review, /Read, search the patient's Condition records/, 'what it may receive, in plain words');
        assert.match(review, /Was sent a notification about 1 Condition record/, 'what it already received: the disclosure log');
        const approve = page.getByRole('button', { name: 'Approve: keep sharing under my consent' });
        assert.ok(((await approve.boundingBox())?.width ?? 999) <= 390, 'the button fits the screen');
        await approve.focus();
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Sharing approved' }).waitFor();

        // The recipient's side: nothing but standards, and everything still works.
        assert.equal((await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${r.tokens.access_token}` })).status, 200, 'the access token works');
        assert.equal((await introspect(server, r)).active, true);
        const refreshed = await refresh(server, r);
        assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
        assert.equal((await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${r.tokens.access_token}` })).status, 200, 'the refreshed token works');
        await http('POST', `${server.fhirBase}/Condition`, condition('after', patientId, 'problem-list-item'));
        await r.receiver.until(() => r.receiver.events().length === 2);
        assert.deepEqual(r.receiver.events(), [1, 2], 'the same subscription, the next event number');
        assert.equal(r.receiver.of('handshake').length, 1, 'no new handshake: no re-subscription');
        const status = await http('GET', `${server.fhirBase}/Subscription/${r.subscriptionId}/$status`, undefined, { authorization: `Bearer ${r.tokens.access_token}` });
        assert.match(status.text, /"valueCode":"active"/);

        // The grant moved to the patient's own Consent; the clinician's is replaced (inactive), with Provenance of both.
        const grant = (await store.auth.getGrant(r.grantId))!;
        assert.equal(grant.revokedAt, null);
        assert.notEqual(grant.consentId, clinicianConsent);
        const own = (await http('GET', `${server.fhirBase}/Consent/${grant.consentId}`)).body;
        assert.equal(own.status, 'active');
        assert.equal(own.performer[0].reference, `Patient/${patientId}`);
        assert.equal(own.provision.purpose[0].code, 'PATRQT');
        assert.equal(own.provision.actor[0].reference.display, 'Rare Disease Registry');
        assert.equal((await http('GET', `${server.fhirBase}/Consent/${clinicianConsent}`)).body.status, 'inactive');
        const provenance = (await http('GET', `${server.fhirBase}/Provenance?target=Consent/${grant.consentId}`)).body.entry[0].resource;
        assert.equal(provenance.agent[0].who.reference, `Patient/${patientId}`);
        assert.ok(provenance.activity.coding.some((c: { system: string; code: string }) => c.system === CHANNEL && c.code === 'portal'));
        assert.match(provenance.entity[0].what.reference, new RegExp(`^Consent/${clinicianConsent}/_history/\\d+$`));

        // The portal shows the sharing as the patient's own, the invitation no longer waiting; the link is spent.
        await page.goto(`${new URL(server.fhirBase).origin}/portal`);
        const portal = await page.locator('main').innerText();
        assert.match(portal, /Approved by\s+Ada Handover/);
        assert.match(portal, /No invitations are waiting/);
        await page.goto(link);
        await page.getByRole('heading', { name: 'This invitation was already answered' }).waitFor();
      });
    });
  }
});
