import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '../../src/auth/index.js';
import { testEngines } from '../harness/engines.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { refer, refresh, type Referral } from './handover-harness.js';

const OPERATOR = 'operator-secret-for-no-smtp-tests';

/** Issue 5 b in a sandbox without SMTP: the chart says why nothing was emailed and prints the invitation, whose link works. */
for (const engine of testEngines()) {
  describe(`invitations without an SMTP server [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    let patientId = '';
    const referrals: Referral[] = [];

    before(async () => {
      server = await startTestServer(engine, { operatorToken: OPERATOR });
      origin = new URL(server.fhirBase).origin;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Unmailed', { telecom: [{ system: 'email', value: 'dee@example.org' }] }))).body.id;
      const auth = server.server.services.store.auth;
      await createUser(auth, { username: 'nosmtp-doc', password: 'doctor-password', fhirUser: 'Practitioner/ns1', displayName: 'Dr. Print' }, Date.now());
      await createUser(auth, { username: 'dee', password: 'patient-password', fhirUser: `Patient/${patientId}`, displayName: 'Dee Unmailed' }, Date.now());
    });
    after(async () => {
      for (const r of referrals) await r.receiver.stop();
      await server?.close();
    });

    const signedIn = async (user: [string, string], url: string) => {
      const browser = new FormBrowser();
      await browser.open(url, origin);
      const form = browser.formFields('/auth/sign-in');
      form.set('username', user[0]);
      form.set('password', user[1]);
      return { browser, page: await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form }) };
    };

    it('the chart says it was not emailed and prints a link the patient can approve with', async () => {
      const referral = await refer(server, { operator: OPERATOR, clinician: ['nosmtp-doc', 'doctor-password'], patientId, clientName: 'Offline Registry' });
      referrals.push(referral);
      const { browser, page } = await signedIn(['nosmtp-doc', 'doctor-password'], `${origin}/ehr/patients/${patientId}`);
      assert.match(page.html!, /Not emailed: no SMTP server is configured \(the link was written to the server log\)/);
      const action = /action="(\/ehr\/invitations\/[^"]+\/print)"/.exec(page.html!)![1]!;
      const printed = await browser.open(`${origin}${action}`, origin, { method: 'POST', form: browser.formFields(action) });
      const link = /<code class="link">([^<]+)<\/code>/.exec(printed.html!)![1]!;
      const patient = await signedIn(['dee', 'patient-password'], link);
      const review = /action="(\/portal\/invitations\/[^"]+)"/.exec(patient.page.html!)![1]!;
      const form = patient.browser.formFields(review);
      form.set('decision', 'approve');
      const done = await patient.browser.open(`${origin}${review}`, origin, { method: 'POST', form });
      assert.match(done.html!, /Sharing approved/);
      assert.equal((await refresh(server, referral)).status, 200);
      const chart = await browser.open(`${origin}/ehr/patients/${patientId}`, origin);
      assert.match(chart.html!, /approved/);
      assert.doesNotMatch(chart.html!, /\/ehr\/invitations\/[^"]+\/print/, 'nothing left to print');
    });

    it('at start, an answer cut short by a crash is brought back in step (an approval undone, a decline carried out)', async () => {
      const { store } = server.server.services;
      const invitations = server.server.services.invitations;
      const approved = await refer(server, { operator: OPERATOR, clinician: ['nosmtp-doc', 'doctor-password'], patientId, clientName: 'Crashed Approval' });
      const declined = await refer(server, { operator: OPERATOR, clinician: ['nosmtp-doc', 'doctor-password'], patientId, clientName: 'Crashed Decline' });
      referrals.push(approved, declined);
      const invitationOf = async (r: Referral) => (await store.invitations.invitationsOfPatient(patientId)).find((i) => i.grantId === r.grantId)!;
      const clinicianConsent = (await store.auth.getGrant(approved.grantId))!.consentId;
      // The claims went through two minutes ago; the resource writes (approval) and the revocation (decline) never happened.
      const then = Date.now() - 120_000;
      assert.ok(await store.invitations.answerInvitation((await invitationOf(approved)).id, then, 'approved', 'never-written-consent'));
      assert.ok(await store.invitations.answerInvitation((await invitationOf(declined)).id, then, 'declined', null));
      assert.equal((await store.auth.getGrant(approved.grantId))!.consentId, 'never-written-consent');
      assert.equal(await invitations.reconcile(), 2);
      assert.equal((await store.auth.getGrant(approved.grantId))!.consentId, clinicianConsent, 'back under the clinician\'s Consent');
      assert.equal((await invitationOf(approved)).endedAt, null, 'the invitation is open again');
      assert.equal((await refresh(server, approved)).status, 200);
      assert.equal((await refresh(server, declined)).status, 400, 'the decline is carried out');
      assert.equal(await invitations.reconcile(), 0, 'nothing left to fix');
    });
  });
}
