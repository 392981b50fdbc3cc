import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { appResult, registerPublicApp, startSmartTestApp, type SmartTestApp } from '../harness/smart-test-app.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { consentScopes, signIn } from '../harness/user-pages.js';

/**
 * Standalone launch in real Chromium with fhirclient as the app: the app starts at its own
 * launch page with our FHIR base as `iss`; the user signs in, picks a patient when they are a
 * practitioner, and decides on the consent page. SQLite only: test/auth/ covers the engines.
 */
describe('standalone launch in Chromium with fhirclient', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let app: SmartTestApp;
  let pickedId: string;
  let ownId: string;

  before(async () => {
    server = await startTestServer('sqlite');
    const records = server.server.services.store.auth;
    // Two patients besides the patient user's own, so the picker's choice is one that matters.
    await http('POST', `${server.fhirBase}/Patient`, patientBody('Alder'));
    pickedId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Birchwood'))).body.id;
    ownId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Cedarholm'))).body.id;
    await createUser(records, { username: 'clin', password: 'clinician-pass', fhirUser: 'Practitioner/p1', displayName: 'Dr. Clin' }, Date.now());
    await createUser(records, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${ownId}`, displayName: 'Pat Cedarholm' }, Date.now());
    app = await startSmartTestApp(server.fhirBase);
    app.settings.clientId = await registerPublicApp(new URL(server.fhirBase).origin, { name: 'Standalone Test App', launchUrl: app.launchUrl, redirectUri: app.redirectUri });
  });
  after(async () => {
    await app?.close();
    await server?.close();
  });

  /** A fresh browser profile (no session, no fhirclient state) opening the app's launch page. */
  const launchApp = async (scope: string, user: [string, string]): Promise<Page> => {
    app.settings.scope = scope;
    const page = await (await browser().newContext()).newPage();
    await page.goto(app.launchUrl);
    await signIn(page, ...user);
    return page;
  };
  const done = (page: Page) => page.context().close();

  it('a practitioner picks a patient on the picker; the app reads that patient', async () => {
    const page = await launchApp('launch/patient openid fhirUser patient/Patient.rs', ['clin', 'clinician-pass']);
    await page.getByRole('heading', { name: 'Choose a patient' }).waitFor();
    await page.getByLabel(/Birchwood/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await consentScopes(page);
    await page.getByRole('button', { name: 'Allow' }).click();

    const result = await appResult(page);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.patient, { resourceType: 'Patient', id: pickedId });
    assert.equal(result.context?.patient, pickedId);
    assert.equal(result.fhirUser, 'Practitioner/p1');
    await done(page);
  });

  it('a patient user goes straight to consent and the app reads their own record', async () => {
    const page = await launchApp('launch/patient openid fhirUser patient/Patient.rs', ['pat', 'patient-pass1']);
    assert.deepEqual((await consentScopes(page)).map((s) => s.value), ['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs']);
    assert.equal(await page.getByRole('heading', { name: 'Choose a patient' }).count(), 0, 'no picker for a patient user');
    await page.getByRole('button', { name: 'Allow' }).click();

    const result = await appResult(page);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.patient, { resourceType: 'Patient', id: ownId });
    assert.equal(result.fhirUser, `Patient/${ownId}`);
    await done(page);
  });

  it('a scope the user unchecks is not in the granted scope', async () => {
    const page = await launchApp('launch/patient patient/Patient.rs patient/Observation.rs', ['pat', 'patient-pass1']);
    await consentScopes(page);
    await page.locator('input[name="scope"][value="patient/Observation.rs"]').uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();

    const result = await appResult(page);
    assert.equal(result.error, undefined);
    assert.equal(result.context?.scope, 'launch/patient patient/Patient.rs');
    assert.equal(result.patient?.id, ownId);
    await done(page);
  });

  it('Deny sends access_denied back; fhirclient\'s ready() rejects with it', async () => {
    const page = await launchApp('launch/patient patient/Patient.rs', ['pat', 'patient-pass1']);
    await consentScopes(page);
    await page.getByRole('button', { name: 'Deny' }).click();

    const result = await appResult(page);
    assert.match(result.error ?? '', /^access_denied\b/);
    assert.equal(result.patient, undefined);
    assert.ok(page.url().startsWith(app.redirectUri), `back at the app: ${page.url()}`);
    await done(page);
  });
});
