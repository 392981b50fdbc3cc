import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { appResult, registerPublicApp, startSmartTestApp, type SmartTestApp } from '../harness/smart-test-app.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { consentScopes, signIn } from '../harness/user-pages.js';

/**
 * EHR launch in real Chromium with fhirclient as the app: a clinician signs in, opens the sandbox
 * chart, clicks Launch; fhirclient authorizes, the clinician allows on the consent page, and the
 * app reads the launched patient. SQLite only: the storage engines are covered by test/auth/.
 */
describe('EHR launch in Chromium with fhirclient', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let app: SmartTestApp;
  let origin: string;
  let patientId: string;
  let encounterId: string;
  const APP_NAME = 'Browser Test App';

  before(async () => {
    server = await startTestServer('sqlite');
    origin = new URL(server.fhirBase).origin;
    patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Launchable'))).body.id;
    encounterId = (await http('POST', `${server.fhirBase}/Encounter`, {
      resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ text: 'Clinic visit' }], period: { start: '2024-05-01T09:00:00Z' }, subject: { reference: `Patient/${patientId}` },
    })).body.id;
    await createUser(server.server.services.store.auth, { username: 'doc', password: 'doctor-password', fhirUser: 'Practitioner/d1', displayName: 'Dr. Doc' }, Date.now());
    app = await startSmartTestApp(server.fhirBase);
    app.settings.clientId = await registerPublicApp(origin, { name: APP_NAME, launchUrl: app.launchUrl, redirectUri: app.redirectUri });
  });
  after(async () => {
    await app?.close();
    await server?.close();
  });

  /** Signs the clinician in through the chart's redirect and returns on the patient's chart. */
  const openChart = async () => {
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/ehr/patients/${patientId}`);
    await signIn(page, 'doc', 'doctor-password');
    await page.getByRole('button', { name: `Launch ${APP_NAME}` }).waitFor();
    return { context, page };
  };

  it('launches from the chart with an encounter; consent lists each scope and warns about offline access; the app reads the patient', async () => {
    app.settings.scope = 'launch openid fhirUser offline_access patient/Patient.rs patient/Encounter.rs';
    app.settings.refreshWithClientId = true;
    const { context, page } = await openChart();
    const launchForm = page.locator('form.launch', { has: page.getByRole('button', { name: `Launch ${APP_NAME}` }) });
    await launchForm.getByLabel('Encounter').selectOption(encounterId);
    await launchForm.getByRole('button', { name: `Launch ${APP_NAME}` }).click();

    const scopes = await consentScopes(page);
    assert.deepEqual(scopes.map((s) => s.value), app.settings.scope.split(' '), 'one checkbox per requested scope, its value the scope');
    assert.ok(scopes.every((s) => s.checked), 'all requested scopes start checked');
    assert.match(await page.getByRole('note').innerText(), /keep access after you sign out/);
    await page.getByRole('button', { name: 'Allow' }).click();

    const result = await appResult(page);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.patient, { resourceType: 'Patient', id: patientId });
    assert.equal(result.context?.patient, patientId);
    assert.equal(result.context?.encounter, encounterId);
    assert.equal(result.context?.scope, app.settings.scope);
    assert.equal(result.context?.refreshToken, true, 'offline_access granted: a refresh token');
    assert.equal(result.fhirUser, 'Practitioner/d1');
    // Public client: the refresh rotates the refresh token and the new access token works.
    assert.deepEqual(result.refresh, { rotated: true, newAccessToken: true, patientId });

    // The chart sent the browser to the registered launch URL with our FHIR base as iss.
    const launchVisit = app.visits.filter((u) => u.pathname === '/launch.html').at(-1);
    assert.equal(launchVisit?.searchParams.get('iss'), server.fhirBase);
    assert.ok(launchVisit?.searchParams.get('launch'));
    await context.close();
  });

  it('fhirclient\'s default refresh (no client_id: RFC 6749 §6 asks none of a public client) gets a new access token', async () => {
    app.settings.scope = 'launch offline_access patient/Patient.rs';
    app.settings.refreshWithClientId = false;
    const { context, page } = await openChart();
    await page.getByRole('button', { name: `Launch ${APP_NAME}` }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    const result = await appResult(page);
    await context.close();
    assert.equal(result.patient?.id, patientId);
    assert.deepEqual(result.refresh, { rotated: true, newAccessToken: true, patientId });
  });

  it('launches without an encounter and without offline access: no encounter in context, no warning, no refresh token', async () => {
    app.settings.scope = 'launch patient/Patient.rs';
    const { context, page } = await openChart();
    await page.getByRole('button', { name: `Launch ${APP_NAME}` }).click();

    assert.deepEqual((await consentScopes(page)).map((s) => s.value), ['launch', 'patient/Patient.rs']);
    assert.equal(await page.getByRole('note').count(), 0, 'no offline-access warning');
    await page.getByRole('button', { name: 'Allow' }).click();

    const result = await appResult(page);
    assert.equal(result.error, undefined);
    assert.equal(result.patient?.id, patientId);
    assert.equal(result.context?.encounter, undefined);
    assert.equal(result.context?.refreshToken, false);
    await context.close();
  });
});
