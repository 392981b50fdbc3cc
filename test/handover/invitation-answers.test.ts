import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '../../src/auth/index.js';
import type { Clock } from '../../src/base/index.js';
import { testEngines } from '../harness/engines.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { invitationLinkIn, SmtpReceiver } from '../harness/smtp-receiver.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition } from '../subscriptions/engine-harness.js';
import { introspect, refer, refresh, type Referral } from './handover-harness.js';

const OPERATOR = 'operator-secret-for-invitation-tests';
const EMAIL = 'bo.invited@example.org';
const DAY = 86_400_000;

/**
 * Issue 5 b, the invitation's other paths, black-box with the form-posting browser: the chart
 * prints it (QR code); someone else's, a clinician's, a cross-site form get clear pages and change
 * nothing; declining ends the sharing as the recipient sees it through the standards (401,
 * `invalid_grant`, introspection inactive, no further notification, the subscription `off`); a
 * reused or expired invitation gets its page and changes nothing.
 */
for (const engine of testEngines()) {
  describe(`invitation answers and refusals [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    const smtp = new SmtpReceiver();
    let offset = 0;
    const clock: Clock = { now: () => new Date(Date.now() + offset) };
    let patientId = '';
    const referrals: Referral[] = [];
    const patient = ['bo', 'patient-password'] as const;
    const other = ['cy', 'patient-password'] as const;
    const doctor = ['inv-doc', 'doctor-password'] as const;

    before(async () => {
      server = await startTestServer(engine, { operatorToken: OPERATOR, smtpUrl: await smtp.start() }, clock);
      origin = new URL(server.fhirBase).origin;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Invited', { telecom: [{ system: 'email', value: EMAIL }] }))).body.id;
      const otherId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Other'))).body.id;
      const auth = server.server.services.store.auth;
      await createUser(auth, { username: doctor[0], password: doctor[1], fhirUser: 'Practitioner/inv1', displayName: 'Dr. Invite' }, Date.now());
      await createUser(auth, { username: patient[0], password: patient[1], fhirUser: `Patient/${patientId}`, displayName: 'Bo Invited' }, Date.now());
      await createUser(auth, { username: other[0], password: other[1], fhirUser: `Patient/${otherId}`, displayName: 'Cy Other' }, Date.now());
    });
    after(async () => {
      for (const r of referrals) await r.receiver.stop();
      await server?.close();
      await smtp.stop();
    });

    const referral = async (name: string) => {
      const r = await refer(server, { operator: OPERATOR, clinician: [doctor[0], doctor[1]], patientId, clientName: name });
      referrals.push(r);
      return { r, link: invitationLinkIn(await smtp.next(EMAIL)) };
    };
    const signedIn = async (user: readonly [string, string], url: string) => {
      const browser = new FormBrowser();
      await browser.open(url, origin);
      const form = browser.formFields('/auth/sign-in');
      form.set('username', user[0]);
      form.set('password', user[1]);
      const page = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form });
      return { browser, page };
    };
    const answer = async (browser: FormBrowser, decision: 'approve' | 'decline', action = /action="(\/portal\/invitations\/[^"]+)"/.exec(browser.lastHtml)![1]!) => {
      const form = browser.formFields(action);
      form.set('decision', decision);
      return { action, page: await browser.open(`${origin}${action}`, origin, { method: 'POST', form }) };
    };
    const consentOf = async (r: Referral) => (await server.server.services.store.auth.getGrant(r.grantId))!.consentId;
    const stillWorks = async (r: Referral) => {
      assert.equal((await refresh(server, r)).status, 200, 'the refresh token works');
      assert.equal((await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${r.tokens.access_token}` })).status, 200);
    };

    it('the chart lists the invitation and prints it as a QR code; the printed link opens the same invitation', async () => {
      const { r, link } = await referral('Printed Registry');
      const { browser, page } = await signedIn(doctor, `${origin}/ehr/patients/${patientId}`);
      assert.equal(page.status, 200);
      assert.match(page.html!, /Invitations to the patient/);
      assert.match(page.html!, new RegExp(`Emailed to ${EMAIL.replace('.', '\\.')}`));
      const action = /action="(\/ehr\/invitations\/[^"]+\/print)"/.exec(page.html!)![1]!;
      const printed = await browser.open(`${origin}${action}`, origin, { method: 'POST', form: browser.formFields(action) });
      assert.equal(printed.status, 200);
      assert.match(printed.html!, /<svg[^>]*>[\s\S]*<path/, 'an inline SVG QR code');
      const printedLink = /<code class="link">([^<]+)<\/code>/.exec(printed.html!)![1]!;
      assert.notEqual(printedLink, link, 'a new link to the same invitation');
      const viaPrint = await signedIn(patient, printedLink);
      assert.equal(viaPrint.page.status, 200);
      assert.match(viaPrint.page.html!, /Printed Registry receives your records/);
      const viaEmail = await signedIn(patient, link);
      assert.equal(viaEmail.browser.lastUrl, viaPrint.browser.lastUrl, 'both links open the same invitation');
      await stillWorks(r);
    });

    it('someone else\'s invitation, a clinician, a form without its CSRF token: clear pages, nothing changes', async () => {
      const { r, link } = await referral('Guarded Registry');
      const before = await consentOf(r);
      const stranger = await signedIn(other, link);
      assert.equal(stranger.page.status, 403);
      assert.match(stranger.page.html!, /This invitation is for someone else/);
      const clinician = await signedIn(doctor, link);
      assert.equal(clinician.page.status, 403);
      const owner = await signedIn(patient, link);
      assert.equal(owner.page.status, 200);
      const action = /action="(\/portal\/invitations\/[^"]+)"/.exec(owner.page.html!)![1]!;
      // The stranger posts to the invitation's form with a valid CSRF token of their own.
      await stranger.browser.open(`${origin}/portal`, origin);
      const strangerCsrf = stranger.browser.formFields('/auth/sign-out').get('csrf')!;
      const forged = await stranger.browser.open(`${origin}${action}`, origin, { method: 'POST', form: new URLSearchParams({ csrf: strangerCsrf, decision: 'decline' }) });
      assert.equal(forged.status, 403);
      const noCsrf = await owner.browser.open(`${origin}${action}`, origin, { method: 'POST', form: new URLSearchParams({ decision: 'decline' }) });
      assert.equal(noCsrf.status, 403);
      assert.equal(await consentOf(r), before);
      await stillWorks(r);
      const again = await owner.browser.open(link, origin);
      assert.equal(again.status, 200, 'still open for its patient');
    });

    it('declining ends the sharing: 401, invalid_grant, introspection inactive, no further notification', async () => {
      const { r, link } = await referral('Declined Registry');
      const consentId = await consentOf(r);
      const { browser } = await signedIn(patient, link);
      const { page } = await answer(browser, 'decline');
      assert.equal(page.status, 200);
      assert.match(page.html!, /Sharing stopped/);
      assert.equal((await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${r.tokens.access_token}` })).status, 401);
      assert.equal((await introspect(server, r)).active, false);
      const refreshed = await refresh(server, r);
      assert.equal(refreshed.status, 400);
      assert.equal(refreshed.body.error, 'invalid_grant');
      const consent = (await http('GET', `${server.fhirBase}/Consent/${consentId}`)).body;
      assert.equal(consent.status, 'inactive');
      const provenance = await http('GET', `${server.fhirBase}/Provenance?target=Consent/${consentId}`);
      assert.ok(provenance.text.includes(`"Patient/${patientId}"`) && provenance.text.includes('"portal"'), 'ended by the patient in the portal');
      const sentBefore = r.receiver.received.length;
      await http('POST', `${server.fhirBase}/Condition`, condition('after-decline', patientId, 'problem-list-item'));
      const records = server.server.services.store.subscriptions;
      for (let i = 0; i < 400 && (await records.getSubscription(r.subscriptionId))?.status !== 'off'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal((await records.getSubscription(r.subscriptionId))?.status, 'off', '$status would say off');
      assert.equal(r.receiver.received.length, sentBefore, 'the next change is not sent');
      assert.deepEqual(r.receiver.events(), []);

      const reused = await browser.open(link, origin);
      assert.equal(reused.status, 410);
      assert.match(reused.html!, /This invitation was already answered/);
    });

    it('an expired invitation gets a clear page and changes nothing; an unknown link too', async () => {
      const { r, link } = await referral('Late Registry');
      const before = await consentOf(r);
      offset = 15 * DAY;
      try {
        const { browser, page } = await signedIn(patient, link);
        assert.equal(page.status, 410);
        assert.match(page.html!, /This invitation has expired/);
        const pending = await browser.open(`${origin}/portal`, origin);
        assert.doesNotMatch(pending.html!, /Late Registry: review and answer/, 'no longer waiting in the portal');
        assert.equal(await consentOf(r), before);
        assert.equal((await refresh(server, r)).status, 200, 'the clinician\'s sharing goes on');
      } finally {
        offset = 0;
      }
      const unknown = await signedIn(patient, `${origin}/portal/invitation/${'A'.repeat(43)}`);
      assert.equal(unknown.page.status, 404);
      assert.match(unknown.page.html!, /This invitation link is not valid/);
    });

    it('the portal lists a waiting invitation and answers it from there', async () => {
      const { r } = await referral('Listed Registry');
      const { browser, page } = await signedIn(patient, `${origin}/portal`);
      assert.match(page.html!, /Dr\. Invite shared your records with Listed Registry: review and answer/);
      const href = new RegExp(`href="(/portal/invitations/[^"]+)">Dr\\. Invite shared your records with Listed Registry`).exec(page.html!)![1]!;
      await browser.open(`${origin}${href}`, origin);
      const { page: done } = await answer(browser, 'approve', href);
      assert.match(done.html!, /Sharing approved/);
      await stillWorks(r);
      const consent = (await http('GET', `${server.fhirBase}/Consent/${await consentOf(r)}`)).body;
      assert.equal(consent.performer[0].reference, `Patient/${patientId}`);
    });
  });
}
