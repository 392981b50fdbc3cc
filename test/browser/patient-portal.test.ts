import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { addSampleUsers } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { signIn } from '../harness/user-pages.js';

const APP = 'Lakeside Registry <b>&</b>';
const PHONE = { width: 375, height: 667 };

/**
 * The patient portal (issue 5 a) as Eleanor, the sample patient, uses it on a phone: she signs in,
 * sees the app that receives her records in plain words and what it received (the disclosure log),
 * and stops the sharing with the keyboard alone; the app's next request is refused.
 */
describe('the patient portal in Chromium', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let origin: string;
  let flow: SmartFlow;

  before(async () => {
    server = await startTestServer('sqlite');
    origin = new URL(server.fhirBase).origin;
    await http('PUT', `${server.fhirBase}/Patient/example-patient`, { ...patientBody('Whitfield'), id: 'example-patient' });
    await http('PUT', `${server.fhirBase}/Condition/portal-c1`, {
      resourceType: 'Condition', id: 'portal-c1', subject: { reference: 'Patient/example-patient' }, code: { text: 'Asthma' },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    });
    await addSampleUsers(server.server.services.store.auth, Date.now());
    flow = await SmartFlow.register(server, { name: APP });
  });
  after(async () => {
    await server?.close();
  });

  const openPhone = async (): Promise<Page> => (await browser().newContext({ viewport: PHONE, isMobile: true, hasTouch: true })).newPage();

  it('Eleanor sees who receives her records and what it received, and stops it with the keyboard', async () => {
    // The app is authorized (standalone launch, offline access) and reads her record.
    const tokens = await flow.tokens('launch/patient offline_access patient/Patient.rs patient/Condition.rs', ['eleanor', 'sandbox-patient'], new FormBrowser());
    const as = { authorization: `Bearer ${tokens.access_token}` };
    assert.equal((await http('GET', `${server.fhirBase}/Patient/example-patient`, undefined, as)).status, 200);
    assert.equal((await http('GET', `${server.fhirBase}/Condition?patient=example-patient`, undefined, as)).body.entry.length, 1);

    const page = await openPhone();
    await page.goto(`${origin}/portal`);
    await signIn(page, 'eleanor', 'sandbox-patient');
    await page.getByRole('heading', { level: 1, name: 'Your shared records' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/portal');

    // Landmarks and headings a screen reader moves by.
    assert.equal(await page.getByRole('banner').count(), 1);
    assert.equal(await page.getByRole('main').count(), 1);
    assert.equal(await page.getByRole('navigation', { name: 'Portal sections' }).count(), 1);
    await page.getByRole('heading', { level: 2, name: 'Invitations waiting for you' }).waitFor();
    const sharingNow = page.getByRole('region', { name: 'Sharing now' });
    const card = sharingNow.getByRole('article', { name: APP });
    await card.waitFor();
    const text = await card.innerText();
    assert.ok(text.includes(APP), 'the app\'s name, shown as text');
    assert.match(text, /Read, search the patient's Condition records/);
    assert.match(text, /Approved by\s+Eleanor Whitfield/);
    assert.match(text, /Until you stop it/);
    const log = card.getByRole('list', { name: `Disclosures to ${APP}` });
    const lines = await log.getByRole('listitem').allInnerTexts();
    assert.ok(lines.some((l) => /Read 1 Patient record/.test(l) && l.includes('Patient/example-patient')), lines.join('\n'));
    assert.ok(lines.some((l) => /Searched and received 1 Condition record/.test(l) && l.includes('Condition/portal-c1')), lines.join('\n'));

    // A phone screen: nothing wider than the viewport.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');

    // Keyboard only: Tab to the labelled button, Enter.
    const stop = card.getByRole('button', { name: `Stop sharing with ${APP}` });
    for (let i = 0; i < 40 && !(await stop.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await stop.evaluate((el) => el === document.activeElement), 'the Stop sharing button is reachable with Tab');
    await Promise.all([page.waitForURL(/\/portal\?stopped=1$/), page.keyboard.press('Enter')]);
    await page.getByRole('status').filter({ hasText: 'Sharing stopped' }).waitFor();
    assert.equal(await sharingNow.getByRole('article').count(), 0, 'nobody receives her records now');
    const ended = page.getByRole('region', { name: 'Ended and other recipients' }).getByRole('article', { name: APP });
    assert.match(await ended.innerText(), /Ended/);

    assert.equal((await http('GET', `${server.fhirBase}/Patient/example-patient`, undefined, as)).status, 401, 'the app\'s next request is refused');
  });

  it('a clinician has no portal; signed out it asks to sign in', async () => {
    const page = await openPhone();
    await page.goto(`${origin}/portal`);
    assert.equal(new URL(page.url()).pathname, '/auth/sign-in');
    await signIn(page, 'dr.okafor', 'sandbox-clinician');
    await page.getByRole('alert').filter({ hasText: 'not signed in as a patient' }).waitFor();
  });
});
