import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { fetchEvents } from '../../recipient/index.js';
import { loadSecretBox } from '../../registry/secret-box.js';
import { discover, tokenRequest, type ClientCredentials } from '../../registry/smart-client.js';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { FormBrowser } from '../harness/form-browser.js';
import { freePort, startTestServer, type TestServer } from '../harness/test-server.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const STAFF = `Basic ${Buffer.from('staff:staff-password-for-tests').toString('base64')}`;
const PROBLEM_LIST = 'http://handover.example/fhir/SubscriptionTopic/problem-list-changed';
const MEDICATION_LIST = 'http://handover.example/fhir/SubscriptionTopic/medication-list-changed';

const condition = (patientId: string, text: string, clinicalStatus = 'active') => ({
  resourceType: 'Condition', subject: { reference: `Patient/${patientId}` }, code: { text },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: clinicalStatus }] },
});
const medicationRequest = (patientId: string, text: string) => ({
  resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { text },
});

/**
 * The reference registry end to end, black box: the real Handover server in-process, the
 * registry as its own process (`handover registry`), a clinician launching it from the sandbox
 * chart (EHR launch, PKCE, consent), a referral, then changes to the chart through the FHIR API
 * that reach the registry's copy as numbered events without gaps.
 */
describe('reference registry: launch → refer → subscribe → receive → fetch', () => {
  let server: TestServer;
  let registry: ChildProcess;
  let registryUrl = '';
  let port = 0;
  let output = '';
  let dir = '';
  let patientId = '';
  let diabetesId = '';

  before(async () => {
    server = await startTestServer('sqlite');
    await createUser(server.server.services.store.auth, { username: 'doc', password: 'doctor-password', fhirUser: 'Practitioner/d1', displayName: 'Dr. Doc' }, Date.now());
    patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Referred'))).body.id;
    diabetesId = (await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Type 2 diabetes'))).body.id;
    await http('POST', `${server.fhirBase}/MedicationRequest`, medicationRequest(patientId, 'Metformin 500 mg'));
    await http('POST', `${server.fhirBase}/AllergyIntolerance`, { resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${patientId}` }, code: { text: 'Penicillin' } });

    dir = mkdtempSync(join(tmpdir(), 'registry-'));
    port = await freePort();
    registryUrl = `http://127.0.0.1:${port}`;
    await spawnRegistry();
  });
  after(async () => {
    // The sender stops first, then the recipient.
    await server?.close();
    await stopRegistry();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `handover registry` as a process of its own, on its port and database (the same ones after a restart). */
  const spawnRegistry = async (extra: string[] = []) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOVER_')));
    registry = spawn(process.execPath, ['--import', 'tsx', CLI, 'registry', '--port', String(port), '--fhir', server.fhirBase, '--db', `sqlite:${join(dir, 'registry.db')}`, ...extra],
      { env: { ...env, HANDOVER_REGISTRY_STAFF_PASSWORD: 'staff-password-for-tests' } });
    registry.stdout!.on('data', (c) => { output += c; });
    registry.stderr!.on('data', (c) => { output += c; });
    for (let i = 0; ; i++) {
      if (registry.exitCode !== null) throw new Error(`registry exited: ${output}`);
      if (await fetch(`${registryUrl}/healthz`).then((r) => r.ok, () => false)) break;
      if (i > 200) throw new Error(`registry did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stopRegistry = async () => {
    if (registry && registry.exitCode === null && registry.signalCode === null) {
      const exited = new Promise((r) => registry.once('exit', r));
      registry.kill('SIGTERM');
      await exited;
    }
  };

  const staffView = async (): Promise<any[]> => {
    const response = await fetch(`${registryUrl}/staff/patients.json`, { headers: { authorization: STAFF } });
    assert.equal(response.status, 200);
    return response.json() as Promise<any[]>;
  };
  const until = async <T>(what: string, check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; registry said:\n${output}\nstaff view: ${JSON.stringify(await staffView(), null, 1).slice(0, 4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('registered itself by RFC 7591 and appears on the sandbox chart', async () => {
    assert.match(output, /registry listening on/);
    assert.equal((await fetch(`${registryUrl}/staff`)).status, 401, 'staff pages need the staff password');
  });

  /** A clinician signs in on the sandbox chart, launches the registry, allows; returns the referral form page. */
  const launchFromChart = async (forPatient: string) => {
    const origin = new URL(server.fhirBase).origin;
    const browser = new FormBrowser();
    const signInPage = await browser.open(`${origin}/ehr/patients/${forPatient}`, origin);
    const signIn = browser.formFields('/auth/sign-in', signInPage.html);
    signIn.set('username', 'doc');
    signIn.set('password', 'doctor-password');
    const chart = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: signIn });
    assert.match(chart.html!, /Launch Handover reference registry/);
    let step = await browser.open(`${origin}/ehr/patients/${forPatient}/launch`, origin, { method: 'POST', form: browser.formFields(`/ehr/patients/${forPatient}/launch`) });
    // Back and forth between the registry and the server (launch → authorize → consent → callback) until a page stays.
    for (let hops = 0; step.left && hops < 6; hops++) step = await browser.open(step.left, new URL(step.left).origin);
    if (browser.lastHtml.includes('action="/auth/consent"')) {
      const fields = browser.formFields('/auth/consent');
      fields.set('decision', 'allow');
      step = await browser.open(`${origin}/auth/consent`, origin, { method: 'POST', form: fields });
      for (let hops = 0; step.left && hops < 6; hops++) step = await browser.open(step.left, new URL(step.left).origin);
    }
    assert.equal(step.status, 200, browser.lastHtml.slice(0, 1000));
    return { browser, page: step.html! };
  };
  const referred = async (id: string) => (await staffView()).find((p) => p.referral.patient_id === id);

  it('a clinician launches it from the chart, sees the lists, refers the patient; it subscribes to both topics', async () => {
    const { browser, page } = await launchFromChart(patientId);
    assert.match(page, /Refer Amy V\. Referred to the registry/);
    assert.match(page, /Type 2 diabetes \(active\)/);
    assert.match(page, /Metformin 500 mg/);
    assert.match(page, /Penicillin/);

    const form = browser.formFields('/referral');
    form.set('reason', 'Diabetes registry enrolment');
    const done = await browser.open(`${registryUrl}/referral`, registryUrl, { method: 'POST', form });
    assert.equal(done.status, 200, done.html);
    assert.match(done.html!, /Referral received/);

    const patient = await referred(patientId);
    assert.match(patient.referral.referred_by, /(^|\/)Practitioner\/d1$/, 'fhirUser from the verified id token');
    const refused = patient.subscriptions.filter((s: any) => s.status === 'refused');
    assert.deepEqual(refused.map((s: any) => s.last_error), [], 'the server refused the registry\'s Subscription create');
    assert.match(done.html!, /2 of 2 subscriptions/);
    await until('both subscriptions active (handshake received)', async () => {
      const subs = (await referred(patientId)).subscriptions;
      return subs.length === 2 && subs.every((s: any) => s.status === 'active') && subs;
    });
  });

  it('changes to the problem list and the medications reach the registry\'s copy as numbered events, no gaps', async () => {
    const asthma = await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Asthma'));
    assert.equal(asthma.status, 201, asthma.text);
    const resolved = await http('PUT', `${server.fhirBase}/Condition/${diabetesId}`, { ...condition(patientId, 'Type 2 diabetes', 'resolved'), id: diabetesId });
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal((await http('POST', `${server.fhirBase}/MedicationRequest`, medicationRequest(patientId, 'Salbutamol inhaler'))).status, 201);

    const patient = await until('the registry\'s copy to show the changes', async () => {
      const p = await referred(patientId);
      const texts = p.items.map((i: any) => `${i.list}: ${i.resource.code?.text ?? i.resource.medicationCodeableConcept?.text} ${i.resource.clinicalStatus?.coding?.[0]?.code ?? ''}`.trim());
      return texts.includes('problems: Asthma active') && texts.includes('problems: Type 2 diabetes resolved') && texts.includes('medications: Salbutamol inhaler') && p;
    });
    const byTopic = (topic: string) => patient.subscriptions.find((s: any) => s.topic === topic);
    assert.deepEqual(byTopic(PROBLEM_LIST).events.map((e: any) => [e.event_number, e.outcome]), [[1, 'fetched'], [2, 'fetched']]);
    assert.deepEqual(byTopic(MEDICATION_LIST).events.map((e: any) => [e.event_number, e.outcome]), [[1, 'fetched']]);
    for (const s of patient.subscriptions) {
      const numbers = s.events.map((e: any) => e.event_number);
      assert.deepEqual(JSON.parse(s.tracker_state), { lastContiguous: Math.max(...numbers), seen: [] }, 'contiguous');
    }
    for (const n of patient.timeline) assert.deepEqual(JSON.parse(n.report), { duplicates: [], gaps: [], lost: [], pending: [] });
    assert.ok(patient.timeline.some((n: any) => n.type === 'handshake'));

    const page = await fetch(`${registryUrl}/staff`, { headers: { authorization: STAFF } }).then((r) => r.text());
    assert.match(page, /Asthma \(active\)/);
    assert.match(page, /Type 2 diabetes \(resolved\)/);
  });

  it('full-resource, when the clinician asks for it: changes arrive with their resources, nothing fetched', async () => {
    const second = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Fuller'))).body.id;
    const gout = (await http('POST', `${server.fhirBase}/Condition`, condition(second, 'Gout'))).body.id;
    const { browser, page } = await launchFromChart(second);
    assert.match(page, /Gout \(active\)/);
    const form = browser.formFields('/referral');
    form.set('reason', 'Gout registry');
    form.set('content', 'full-resource');
    assert.equal((await browser.open(`${registryUrl}/referral`, registryUrl, { method: 'POST', form })).status, 200);
    await until('active', async () => (await referred(second))?.subscriptions.every((s: any) => s.status === 'active' && s.content === 'full-resource'));

    assert.equal((await http('DELETE', `${server.fhirBase}/Condition/${gout}`)).status, 204);
    assert.equal((await http('POST', `${server.fhirBase}/Condition`, condition(second, 'Hypertension'))).status, 201);
    const patient = await until('the second copy', async () => {
      const p = await referred(second);
      const texts = p.items.map((i: any) => i.resource.code?.text);
      return texts.includes('Hypertension') && !texts.includes('Gout') && p;
    });
    assert.deepEqual(patient.subscriptions.find((s: any) => s.topic === PROBLEM_LIST).events.map((e: any) => [e.event_number, e.interaction, e.outcome]),
      [[1, 'delete', 'deleted'], [2, 'create', 'from notification']]);
  });

  it('the subscriptions end no later than the grant allows', async () => {
    const patient = await referred(patientId);
    for (const s of patient.subscriptions) {
      assert.ok(s.end_at, 'the server answered an end');
      assert.ok(Date.parse(s.end_at) <= Date.now() + 90 * 86_400_000 + 60_000, s.end_at);
    }
  });

  it('$events answers the registry\'s own token (what recipient/ uses to fill gaps)', async () => {
    // White box on purpose: the test unseals the registry's refresh token to act as the registry.
    const box = loadSecretBox(join(dir, 'registry.db'), undefined);
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    const setting = db.prepare("SELECT name, value FROM settings WHERE name LIKE 'client:%'").get() as { name: string; value: string };
    const subscription = db.prepare('SELECT server_id, grant_id FROM subscriptions WHERE topic = ? AND patient_id = ?').get(PROBLEM_LIST, patientId) as { server_id: string; grant_id: string };
    const grant = db.prepare('SELECT id, refresh_token FROM grants WHERE id = ?').get(subscription.grant_id) as { id: string; refresh_token: string };
    db.close();
    const client = JSON.parse(box.open(setting.value, setting.name)) as ClientCredentials;
    const tokens = await tokenRequest(await discover(server.fhirBase), client, { grant_type: 'refresh_token', refresh_token: box.open(grant.refresh_token, `refresh:${grant.id}`) });
    const events = await fetchEvents({ fhirBase: server.fhirBase, subscriptionId: subscription.server_id, since: 1, until: 2, accessToken: tokens.access_token });
    assert.equal(events.type, 'query-event');
    assert.deepEqual(events.events.map((e) => [e.eventNumber, e.focus?.resourceType, e.withheld]), [[1, 'Condition', false], [2, 'Condition', false]]);
  });

  it('keeps the refresh token and the secrets sealed at rest (AES-256-GCM)', () => {
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    try {
      const grants = db.prepare('SELECT refresh_token FROM grants').all() as { refresh_token: string }[];
      assert.equal(grants.length, 2, 'one grant per launch');
      for (const grant of grants) assert.match(grant.refresh_token, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      for (const row of db.prepare('SELECT header FROM subscriptions').all() as { header: string }[]) assert.match(row.header, /^v1\./);
      assert.match((db.prepare("SELECT value FROM settings WHERE name LIKE 'client:%'").get() as { value: string }).value, /^v1\./);
    } finally {
      db.close();
    }
  });

  it('staff stop following a referral: the registry deletes its subscriptions and gives its token back (RFC 7009)', async () => {
    const second = (await staffView()).find((p) => p.referral.reason === 'Gout registry');
    const page = await fetch(`${registryUrl}/staff`, { headers: { authorization: STAFF } }).then((r) => r.text());
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const stop = (form: Record<string, string>) => fetch(`${registryUrl}/staff/stop`, {
      method: 'POST', redirect: 'manual', headers: { authorization: STAFF, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
    });
    assert.equal((await stop({ referral: second.referral.id, csrf: 'forged' })).status, 403);
    const grantTokenBefore = (() => {
      const db = new Database(join(dir, 'registry.db'), { readonly: true });
      try {
        return db.prepare('SELECT id, refresh_token FROM grants WHERE id = ?').get(second.referral.grant_id) as { id: string; refresh_token: string };
      } finally {
        db.close();
      }
    })();
    assert.equal((await stop({ referral: second.referral.id, csrf })).status, 303);

    const after = (await staffView()).find((p) => p.referral.id === second.referral.id);
    assert.deepEqual(after.sharing.status, 'ended');
    assert.equal(after.sharing.reason, 'stopped by registry staff');
    assert.deepEqual(after.subscriptions.map((s: any) => s.status), ['stopped', 'stopped']);
    for (const s of second.subscriptions) assert.equal(await server.server.services.store.subscriptions.getSubscription(s.server_id), undefined, 'deleted on the server');
    // The refresh token it held no longer works (white box: unsealed from the registry's database as it was).
    const box = loadSecretBox(join(dir, 'registry.db'), undefined);
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    const setting = db.prepare("SELECT name, value FROM settings WHERE name LIKE 'client:%'").get() as { name: string; value: string };
    db.close();
    const client = JSON.parse(box.open(setting.value, setting.name)) as ClientCredentials;
    await assert.rejects(tokenRequest(await discover(server.fhirBase), client, { grant_type: 'refresh_token', refresh_token: box.open(grantTokenBefore.refresh_token, `refresh:${grantTokenBefore.id}`) }),
      /invalid_grant/);
  });

  it('while the registry is down the subscription goes to error; restarted, it recovers and nothing is lost', async () => {
    const problems = (await referred(patientId)).subscriptions.find((s: any) => s.topic === PROBLEM_LIST);
    await stopRegistry();
    assert.equal((await http('POST', `${server.fhirBase}/Condition`, condition(patientId, 'Migraine'))).status, 201);
    const serverSide = async () => (await server.server.services.store.subscriptions.getSubscription(problems.server_id))!;
    for (let i = 0; (await serverSide()).status !== 'error'; i++) {
      if (i > 150) assert.fail(`the server never marked the subscription in error: ${JSON.stringify(await serverSide())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await spawnRegistry(['--check-every', '1']);
    const patient = await until('the missed change, and the subscription active again', async () => {
      const p = await referred(patientId);
      const s = p.subscriptions.find((x: any) => x.topic === PROBLEM_LIST);
      return p.items.some((i: any) => i.resource.code?.text === 'Migraine') && s.status === 'active' && s.last_error === null && s.checked_at !== null && p;
    }, 60_000);
    const s = patient.subscriptions.find((x: any) => x.topic === PROBLEM_LIST);
    assert.deepEqual(s.events.map((e: any) => e.event_number), [1, 2, 3], 'every event, once');
    assert.deepEqual(JSON.parse(s.tracker_state), { lastContiguous: 3, seen: [] });
    assert.equal(patient.sharing.status, 'active');
    // Whichever came first — the server's retry, or the registry's own $status check (which sees
    // `error` and fetches the missed event with $events) — the other is a reported duplicate.
    const afterRestart = patient.timeline.filter((n: any) => n.subscription_key === s.key && JSON.parse(n.report).gaps.concat(JSON.parse(n.report).duplicates).includes(3));
    assert.ok(afterRestart.length <= 2);
  });
});
