import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/**
 * The connected-apps page (SMART `management_endpoint`): a signed-in user sees the apps they
 * authorized and revokes one; the page is escaped, unframeable and CSRF-protected.
 */
for (const engine of testEngines()) {
  describe(`connected apps page [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    let app: SmartFlow;
    let hostileApp: SmartFlow;
    let patientId: string;
    const pat: [string, string] = ['pat', 'patient-pass1'];
    const other: [string, string] = ['other', 'other-pass12'];
    const scope = 'launch/patient offline_access patient/Observation.rs';

    before(async () => {
      server = await startTestServer(engine);
      origin = new URL(server.fhirBase).origin;
      const records = server.server.services.store.auth;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Apps'))).body.id;
      const otherPatient = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Other'))).body.id;
      await createUser(records, { username: pat[0], password: pat[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat Apps' }, Date.now());
      await createUser(records, { username: other[0], password: other[1], fhirUser: `Patient/${otherPatient}`, displayName: 'Other User' }, Date.now());
      app = await SmartFlow.register(server, { name: 'Step counter' });
      hostileApp = await SmartFlow.register(server, { name: '<script>alert("x")</script> Evil & Co' });
    });
    after(() => server.close());

    /** A browser signed in through the page's own redirect to sign-in and back. */
    const signedIn = async (user: [string, string]) => {
      const browser = new FormBrowser();
      const first = await browser.open(`${origin}/auth/apps`, origin);
      assert.equal(browser.lastUrl, `${origin}/auth/sign-in?next=/auth/apps`);
      assert.equal(first.status, 200);
      const fields = browser.formFields('/auth/sign-in');
      fields.set('username', user[0]);
      fields.set('password', user[1]);
      const page = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: fields });
      assert.equal(browser.lastUrl, `${origin}/auth/apps`);
      assert.equal(page.status, 200);
      return browser;
    };
    const refreshWorks = async (refreshToken: string) =>
      (await oauth.refreshTokenGrantRequest(app.as, app.client, oauth.None(), refreshToken, INSECURE)).status === 200;
    /** The page's own Revoke form for `grantId`, exactly as the browser would post it. */
    const pageRevokeForm = async (browser: FormBrowser, grantId: string) => {
      const html = (await browser.open(`${origin}/auth/apps`, origin)).html!;
      const form = [...html.matchAll(/<form method="post" action="\/auth\/apps\/revoke"[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => f.includes(`value="${grantId}"`));
      assert.ok(form, 'a Revoke button for the grant');
      return browser.formFields('/auth/apps/revoke', form);
    };
    /** The revoke form as the page would post it for `grantId` (the page's CSRF token, read afresh). */
    const revokeForm = async (browser: FormBrowser, grantId: string) => {
      await browser.open(`${origin}/auth/apps`, origin);
      return new URLSearchParams({ csrf: browser.formFields('/auth/sign-out').get('csrf')!, grant: grantId });
    };

    it('lists the apps the user authorized, in plain words, with clickjacking headers', async () => {
      const browser = await signedIn(pat);
      const tokens = await app.tokens(scope, pat, browser);
      const grantId = decodeJwt(tokens.access_token).grant as string;
      const html = (await browser.open(`${origin}/auth/apps`, origin)).html!;
      assert.equal(browser.lastHeaders.get('x-frame-options'), 'DENY');
      assert.match(browser.lastHeaders.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(browser.lastHeaders.get('cache-control'), 'no-store');
      assert.match(html, /Step counter/);
      assert.match(html, /Read, search the patient&#39;s Observation records/);
      assert.match(html, /Continuing: keeps access after you sign out/);
      assert.match(html, /<time datetime="\d{4}-/);
      assert.match(html, new RegExp(`name="grant" value="${grantId}"`));
      assert.match(html, /<button type="submit" aria-label="Revoke Step counter">Revoke<\/button>/);
      assert.match(html, /action="\/auth\/sign-out"/);
      assert.match(html, /name="viewport"/);
    });

    it('an app\'s name is escaped', async () => {
      const browser = await signedIn(pat);
      await hostileApp.tokens('launch/patient patient/Patient.rs', pat, browser);
      const html = (await browser.open(`${origin}/auth/apps`, origin)).html!;
      assert.doesNotMatch(html, /<script>/);
      assert.match(html, /&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62; Evil &#38; Co/);
    });

    it('Revoke ends the grant: the refresh token fails and the app moves to Ended', async () => {
      const browser = await signedIn(pat);
      const tokens = await app.tokens(scope, pat, browser);
      const grantId = decodeJwt(tokens.access_token).grant as string;
      const page = await browser.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: await pageRevokeForm(browser, grantId) });
      assert.equal(browser.lastUrl, `${origin}/auth/apps?revoked=1`);
      assert.match(page.html!, /role="status">The app&#39;s access was revoked/);
      assert.doesNotMatch(page.html!, new RegExp(`name="grant" value="${grantId}"`), 'no Revoke button for an ended grant');
      assert.match(page.html!, new RegExp(`id="app-${grantId}">Step counter <span class="muted">\\(Revoked <time`));
      assert.equal(await refreshWorks(tokens.refresh_token!), false);
    });

    it('refuses a revoke without the CSRF token, and another user\'s grant; nothing changes', async () => {
      const owner = await signedIn(pat);
      const tokens = await app.tokens(scope, pat, owner);
      const grantId = decodeJwt(tokens.access_token).grant as string;
      await owner.open(`${origin}/auth/apps`, origin);
      const noCsrf = await revokeForm(owner, grantId);
      noCsrf.delete('csrf');
      assert.equal((await owner.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: noCsrf })).status, 403);
      const forged = await revokeForm(owner, grantId);
      forged.set('csrf', 'A'.repeat(43));
      assert.equal((await owner.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: forged })).status, 403);

      const intruder = await signedIn(other);
      const theirs = await intruder.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: await revokeForm(intruder, grantId) });
      assert.equal(theirs.status, 404);
      assert.doesNotMatch(theirs.html!, /Step counter/);
      for (const bad of ['not-a-grant', '00000000-0000-0000-0000-000000000000', '']) {
        assert.equal((await intruder.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: await revokeForm(intruder, bad) })).status, 404, bad);
      }
      const repeated = await revokeForm(intruder, grantId);
      repeated.append('grant', grantId);
      assert.equal((await intruder.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: repeated })).status, 400);
      assert.doesNotMatch((await intruder.open(`${origin}/auth/apps`, origin)).html!, /Step counter/, 'another user sees only their own apps');

      assert.equal(await refreshWorks(tokens.refresh_token!), true, 'the owner\'s grant is untouched');
    });

    it('without a session: the page sends to sign-in, a revoke changes nothing; sign-out ends the session', async () => {
      const browser = await signedIn(pat);
      const tokens = await app.tokens(scope, pat, browser);
      const grantId = decodeJwt(tokens.access_token).grant as string;
      await browser.open(`${origin}/auth/apps`, origin);
      const fields = await revokeForm(browser, grantId);
      const signOut = await browser.open(`${origin}/auth/sign-out`, origin, { method: 'POST', form: browser.formFields('/auth/sign-out') });
      assert.equal(browser.lastUrl, `${origin}/auth/sign-in`);
      assert.equal(signOut.status, 200);
      await browser.open(`${origin}/auth/apps/revoke`, origin, { method: 'POST', form: fields });
      assert.equal(browser.lastUrl, `${origin}/auth/sign-in?next=/auth/apps`);
      assert.equal(await refreshWorks(tokens.refresh_token!), true);
      const wrongType = await fetch(`${origin}/auth/apps/revoke`, { method: 'POST', body: JSON.stringify({ grant: grantId }), headers: { 'content-type': 'application/json' } });
      assert.equal(wrongType.status, 400);
      assert.match(wrongType.headers.get('content-type') ?? '', /text\/html/);
    });
  });
}

