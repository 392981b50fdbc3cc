import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { registerPublicApp, startSmartTestApp, type SmartTestApp } from '../harness/smart-test-app.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { signIn } from '../harness/user-pages.js';

const SCRIPT_NAME = '<script>alert(1)</script>';

/**
 * The sign-in, picker, consent, error and chart pages as a browser sees them: no redirect to an
 * unregistered redirect_uri, no framing, and values from apps and users shown as text, never run.
 */
describe('authorization pages in Chromium', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let app: SmartTestApp;
  let origin: string;
  let patientId: string;
  let pagesClientId: string;
  let scriptClientId: string;

  before(async () => {
    server = await startTestServer('sqlite');
    origin = new URL(server.fhirBase).origin;
    patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Framewell'))).body.id;
    await createUser(server.server.services.store.auth, { username: 'clin', password: 'clinician-pass', fhirUser: 'Practitioner/p1', displayName: 'Dr. Clin' }, Date.now());
    app = await startSmartTestApp(server.fhirBase);
    app.settings.clientId = pagesClientId = await registerPublicApp(origin, { name: 'Pages Test App', launchUrl: app.launchUrl, redirectUri: app.redirectUri });
    scriptClientId = await registerPublicApp(origin, { name: SCRIPT_NAME, launchUrl: app.launchUrl, redirectUri: app.redirectUri });
  });
  after(async () => {
    await app?.close();
    await server?.close();
  });

  /** A fresh profile whose page records every JavaScript dialog (an alert would mean injected script ran). */
  const openPage = async (): Promise<{ page: Page; dialogs: string[] }> => {
    const page = await (await browser().newContext()).newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { page, dialogs };
  };

  /** Escaped means: the text is on the page as text, and no script element made it into the DOM. */
  const assertShownAsText = async (page: Page, text: string) => {
    assert.ok((await page.locator('body').innerText()).includes(text), `"${text}" is shown literally`);
    assert.equal(await page.locator('script').count(), 0, 'no script element on our page');
  };

  it('an unregistered redirect_uri gets our error page; the browser stays on our origin', async () => {
    const { page } = await openPage();
    app.settings.scope = 'launch/patient patient/Patient.rs';
    app.settings.redirectUri = `${app.origin}/elsewhere.html`;
    try {
      const answer = page.waitForResponse((r) => r.url().startsWith(`${origin}/auth/authorize`));
      await page.goto(app.launchUrl);
      assert.equal((await answer).status(), 400);
      await page.getByRole('heading', { name: 'This app\'s request cannot be used' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /redirect_uri is not one this app registered/);
      assert.equal(new URL(page.url()).origin, origin);
      assert.ok(!app.visits.some((u) => u.pathname === '/elsewhere.html'), 'nothing reached the unregistered redirect URI');
    } finally {
      app.settings.redirectUri = app.redirectUri;
      await page.context().close();
    }
  });

  it('sign-in, picker, consent and error pages forbid framing (X-Frame-Options and CSP frame-ancestors)', async () => {
    const { page } = await openPage();
    app.settings.scope = 'launch/patient patient/Patient.rs';
    const seen: { page: string; headers: Record<string, string> }[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(origin) && r.headers()['content-type']?.startsWith('text/html')) seen.push({ page: `${r.status()} ${new URL(r.url()).pathname}`, headers: r.headers() });
    });
    await page.goto(app.launchUrl);
    await signIn(page, 'clin', 'clinician-pass');
    await page.getByRole('heading', { name: 'Choose a patient' }).waitFor();
    await page.goto(`${origin}/auth/consent`);
    await page.getByRole('heading', { name: 'Nothing to approve' }).waitFor();
    // The sign-in page, the picker (on /auth/consent) and the error page.
    assert.deepEqual(seen.map((s) => s.page), ['200 /auth/sign-in', '200 /auth/consent', '400 /auth/consent']);
    for (const { page: which, headers } of seen) {
      assert.equal(headers['x-frame-options'], 'DENY', which);
      assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, which);
    }

    // And Chromium obeys them: our sign-in page does not render in a frame; another page does.
    await page.goto(`${app.origin}/fhir-client.js`);
    await page.setContent(`<iframe id="ours" src="${origin}/auth/sign-in"></iframe><iframe id="control" src="${app.origin}/index.html"></iframe>`);
    await page.waitForLoadState('load');
    const ours = await page.locator('#ours').elementHandle().then((h) => h?.contentFrame());
    const control = await page.locator('#control').elementHandle().then((h) => h?.contentFrame());
    assert.equal(await control?.locator('#result').count(), 1, 'the control frame renders');
    assert.equal(await ours?.locator('input[name="username"]').count(), 0, 'the sign-in form does not render in a frame');
    await page.context().close();
  });

  it('an app named <script>…</script> is shown as text on the picker, the consent page and the chart; no script runs', async () => {
    const { page, dialogs } = await openPage();
    app.settings.clientId = scriptClientId;
    app.settings.scope = 'launch/patient patient/Patient.rs';
    try {
      await page.goto(app.launchUrl);
      await signIn(page, 'clin', 'clinician-pass');
      await page.getByRole('heading', { name: 'Choose a patient' }).waitFor();
      await assertShownAsText(page, `${SCRIPT_NAME} asks to open a patient's record`);
      await page.getByLabel(/Framewell/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      await assertShownAsText(page, `${SCRIPT_NAME} asks for access`);

      await page.goto(`${origin}/ehr/patients/${patientId}`);
      await page.getByRole('button', { name: `Launch ${SCRIPT_NAME}` }).waitFor();
      await assertShownAsText(page, `Launch ${SCRIPT_NAME}`);
      assert.deepEqual(dialogs, []);
    } finally {
      app.settings.clientId = pagesClientId;
      await page.context().close();
    }
  });

  it('a user name and a search text with markup come back escaped', async () => {
    const { page, dialogs } = await openPage();
    const name = '"><script>alert(2)</script>';
    await page.goto(`${origin}/auth/sign-in`);
    await signIn(page, name, 'wrong-password');
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('User name').inputValue(), name, 'the user name comes back as the field value');
    assert.equal(await page.locator('script').count(), 0);

    await signIn(page, 'clin', 'clinician-pass');
    await page.goto(`${origin}/ehr?q=${encodeURIComponent('<img src=x onerror=alert(3)>')}`);
    assert.equal(await page.getByLabel('Find a patient by name').inputValue(), '<img src=x onerror=alert(3)>');
    assert.equal(await page.locator('img').count(), 0, 'no injected image element');
    assert.deepEqual(dialogs, []);
    await page.context().close();
  });
});
