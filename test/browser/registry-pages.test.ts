import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startRegistry, type RunningRegistry } from '../../registry/registry-app.js';
import { createUser } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { freePort, startTestServer, type TestServer } from '../harness/test-server.js';
import { signIn } from '../harness/user-pages.js';

const STAFF_PASSWORD = 'staff-password-for-browser-tests';
const DAY_MS = 86_400_000;
/** The server caps `end` at the grant's idle lifetime (90 days from the last refresh): renew 3 s after. */
const RENEW_BEFORE_MS = 90 * DAY_MS - 3_000;
const SCRIPT = '<script>alert(1)</script>';

const condition = (patientId: string, text: string) => ({
  resourceType: 'Condition', subject: { reference: `Patient/${patientId}` }, code: { text },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
});
const medicationRequest = (patientId: string, text: string, status = 'active') => ({
  resourceType: 'MedicationRequest', status, intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { text },
});

/**
 * The reference registry's pages in real Chromium, driving the whole flow a clinician and the
 * registry's staff see: the sandbox chart launches the registry (EHR launch, consent), the referral
 * form, the subscriptions, a change in the chart reaching the staff page, renewal before `end`,
 * and the clinician revoking the registry on the server's connected-apps page — which the registry
 * notices through the standards alone (introspection, `$status`) and shows as sharing ended.
 * The registry runs in-process here (its HTTP only; test/recipient/registry-flow.test.ts spawns it).
 */
describe('reference registry pages in Chromium', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let registry: RunningRegistry;
  let origin = '';
  let dir = '';
  let patientId = '';
  let metforminId = '';
  let clinician: BrowserContext;
  let staff: BrowserContext;
  const dialogs: string[] = [];

  before(async () => {
    server = await startTestServer('sqlite');
    origin = new URL(server.fhirBase).origin;
    await createUser(server.server.services.store.auth, { username: 'doc', password: 'doctor-password', fhirUser: 'Practitioner/d1', displayName: 'Dr. Doc' }, Date.now());
    patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Pagewell'))).body.id;
    await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Type 2 diabetes'));
    metforminId = (await http('POST', `${server.fhirBase}/MedicationRequest`, medicationRequest(patientId, 'Metformin 500 mg'))).body.id;
    await http('POST', `${server.fhirBase}/AllergyIntolerance`, { resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${patientId}` }, code: { text: 'Penicillin' } });

    dir = mkdtempSync(join(tmpdir(), 'registry-pages-'));
    const port = await freePort();
    registry = await startRegistry({
      port, host: '127.0.0.1', fhirBase: server.fhirBase, dbFile: join(dir, 'registry.db'), publicUrl: `http://127.0.0.1:${port}`,
      staffPassword: STAFF_PASSWORD, key: undefined, checkEveryMs: 1000, renewBeforeMs: RENEW_BEFORE_MS,
    });
    clinician = await browser().newContext();
    staff = await browser().newContext({ httpCredentials: { username: 'staff', password: STAFF_PASSWORD } });
    for (const context of [clinician, staff]) {
      context.on('page', (page) => page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      }));
    }
  });
  after(async () => {
    await clinician?.close();
    await staff?.close();
    await registry?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Reloads the staff page until `check` holds (the registry works in the background). */
  const staffPageUntil = async (page: Page, what: string, check: (page: Page) => Promise<boolean>, ms = 20_000): Promise<void> => {
    const deadline = Date.now() + ms;
    for (;;) {
      await page.goto(`${registry.url}/staff`);
      if (await check(page)) return;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the staff page said:\n${await page.locator('main').innerText()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const section = (page: Page) => page.locator(`section#patient-${patientId}`);
  const subscriptionRows = (page: Page) => section(page).locator('tr.subscription');
  const cellTexts = async (page: Page, cell: string) => subscriptionRows(page).locator(`td.${cell}`).allInnerTexts();

  it('a clinician launches it from the chart, sees the lists, answers the questions; the staff page shows both subscriptions active', async () => {
    const page = await clinician.newPage();
    await page.goto(`${origin}/ehr/patients/${patientId}`);
    await signIn(page, 'doc', 'doctor-password');
    await page.getByRole('button', { name: 'Launch Handover reference registry' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.getByRole('heading', { name: /Refer .*Pagewell to the registry/ }).waitFor();
    const chart = await page.locator('main').innerText();
    for (const text of ['Type 2 diabetes (active)', 'Metformin 500 mg (active)', 'Penicillin']) assert.ok(chart.includes(text), `${text} on the form`);
    await page.getByLabel('Reason for referral').fill(`${SCRIPT} Diabetes registry enrolment`);
    await page.getByLabel('Urgency').selectOption('urgent');
    assert.equal(await page.getByLabel(/full resources/).isChecked(), false, 'id-only unless the clinician asks for full resources');
    await page.getByRole('button', { name: 'Submit referral' }).click();
    await page.getByRole('heading', { name: 'Referral received' }).waitFor();
    assert.match(await page.locator('main').innerText(), /2 of 2 subscriptions/);

    const staffPage = await staff.newPage();
    await staffPageUntil(staffPage, 'both subscriptions active', async (p) => {
      const statuses = await cellTexts(p, 'status');
      return statuses.length === 2 && statuses.every((s) => s === 'active');
    });
    const text = await section(staffPage).innerText();
    assert.ok(text.includes(`urgent: ${SCRIPT} Diabetes registry enrolment`), 'the reason shown as text');
    assert.match(text, /Referred .* by .*Practitioner\/d1/);
    assert.match(text, /Sharing active/);
    assert.equal(await staffPage.locator('script').count(), 0);
    assert.deepEqual(await cellTexts(staffPage, 'last-error'), ['', '']);
    assert.deepEqual(dialogs, [], 'no injected script ran');
  });

  it('a change in the chart (FHIR API) reaches the staff page: the lists, the event numbers, the timeline', async () => {
    assert.equal((await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Asthma'))).status, 201);
    assert.equal((await http('PUT', `${server.fhirBase}/MedicationRequest/${metforminId}`, { ...medicationRequest(patientId, 'Metformin 500 mg', 'stopped'), id: metforminId })).status, 200);

    const page = await staff.newPage();
    await staffPageUntil(page, 'the new problem and the stopped medication', async (p) => {
      const lists = await section(p).locator('ul').allInnerTexts();
      return lists.some((l) => l.includes('Asthma (active)')) && lists.some((l) => l.includes('Metformin 500 mg (stopped)'));
    });
    assert.deepEqual((await cellTexts(page, 'last-event')).sort(), ['1', '1'], 'one event each, numbered 1');
    const timeline = await section(page).getByRole('table', { name: /Timeline of notifications/ }).innerText();
    assert.match(timeline, /event-notification/);
    assert.match(timeline, /#1 create Condition\/[\w-]+: fetched/);
    assert.match(timeline, /#1 update MedicationRequest\/[\w-]+: fetched/);
    assert.match(timeline, /handshake/);
  });

  it('renews each subscription before its end while the grant lasts, keeping the end the server answered', async () => {
    const first = new Map(registry.db.subscriptionsOfGrant(registry.db.referrals()[0]!.grant_id).map((s) => [s.key, s.end_at!]));
    const page = await staff.newPage();
    await staffPageUntil(page, 'a renewal of each subscription', async (p) => (await cellTexts(p, 'renewals')).every((r) => !r.startsWith('0')));
    assert.deepEqual(await cellTexts(page, 'status'), ['active', 'active']);

    // The end the registry keeps is the one the server stored (it caps what the registry asked).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = registry.db.subscriptionsOfGrant(registry.db.referrals()[0]!.grant_id);
      const stored = await Promise.all(rows.map(async (s) => JSON.parse((await server.server.services.store.subscriptions.getSubscription(s.server_id!))!.settings).end as number));
      const kept = rows.map((s) => Date.parse(s.end_at!));
      const later = rows.every((s, i) => kept[i]! > Date.parse(first.get(s.key)!));
      if (later && kept.every((end, i) => end === stored[i])) {
        for (const end of kept) assert.ok(end <= Date.now() + 90 * DAY_MS, 'never past the grant\'s lifetime');
        break;
      }
      if (Date.now() > deadline) {
        assert.deepEqual(kept, stored, 'the registry keeps the end the server answered');
        assert.ok(later, 'a renewal moved the end later');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Deliveries go on across renewals.
    assert.equal((await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Hypertension'))).status, 201);
    await staffPageUntil(page, 'the change after renewals', async (p) => (await section(p).locator('ul').allInnerTexts()).some((l) => l.includes('Hypertension (active)')));
  });

  it('its forms are CSRF-protected, work with the keyboard alone, and the page fits a phone screen', async () => {
    const basic = `Basic ${Buffer.from(`staff:${STAFF_PASSWORD}`).toString('base64')}`;
    const forged = await fetch(`${registry.url}/staff/check`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=guess' });
    assert.equal(forged.status, 403, 'a form without the page\'s CSRF token is refused');
    assert.equal((await fetch(`${registry.url}/staff`)).status, 401, 'staff only');

    const phone = await browser().newContext({ httpCredentials: { username: 'staff', password: STAFF_PASSWORD }, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const page = await phone.newPage();
      await page.goto(`${registry.url}/staff`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true, 'no sideways scrolling of the page (tables scroll inside their box)');
      await page.getByRole('table', { name: 'Health of each subscription' }).waitFor();
      // Keyboard only: Tab to the button, Enter.
      for (let i = 0; i < 30 && !(await page.evaluate(() => document.activeElement?.textContent === 'Check subscriptions now')); i++) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'checked just now' }).waitFor();
    } finally {
      await phone.close();
    }
  });

  it('the clinician revokes the registry on the connected-apps page: the registry notices, shows the sharing ended, and receives nothing more', async () => {
    const page = await clinician.newPage();
    await page.goto(`${origin}/auth/apps`);
    await page.getByRole('button', { name: 'Revoke Handover reference registry' }).click();
    await page.getByText('The app\'s access was revoked.').waitFor();

    const staffPage = await staff.newPage();
    await staffPageUntil(staffPage, 'the sharing shown as ended', async (p) => (await section(p).locator('.sharing[data-status="ended"]').count()) === 1);
    // Whichever standard signal came first: introspection `active: false`, or a refresh (a renewal's) answered invalid_grant.
    assert.match(await section(staffPage).locator('.sharing').innerText(), /Sharing ended .*(no longer active \(token introspection, RFC 7662\)|refused to refresh the grant \(invalid_grant)/);
    assert.deepEqual(await cellTexts(staffPage, 'status'), ['stopped', 'stopped']);
    assert.equal(await section(staffPage).getByRole('button', { name: /Stop following/ }).count(), 0);
    const grant = registry.db.grant(registry.db.referrals()[0]!.grant_id)!;
    assert.equal(grant.refresh_token, null, 'the refresh token is forgotten');

    const before = await section(staffPage).locator('td.event-numbers').allInnerTexts();
    assert.equal((await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Gout'))).status, 201);
    await new Promise((r) => setTimeout(r, 2500));
    await staffPage.reload();
    assert.ok(!(await section(staffPage).innerText()).includes('Gout'), 'the change after revocation did not reach the registry');
    assert.deepEqual(await section(staffPage).locator('td.event-numbers').allInnerTexts(), before);
  });
});
