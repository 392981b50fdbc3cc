import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

/**
 * R4 §3.1.0.11 transaction Bundles over real HTTP: urn:uuid ids, conditional create/update/
 * delete/references, all-or-nothing, entry order in the response, concurrency, a large bundle.
 * Response statuses are "<code> <reason>" (R4 Bundle.entry.response.status: the 3-digit code,
 * optionally with its HTTP reason phrase); we always send the phrase.
 */
const MRN = 'http://hospital.example.org/mrn';
const ids = (value: string) => ({ identifier: [{ system: MRN, value }] });
const transaction = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const idOf = (location: string) => location.split('/_history/')[0]!.split('/').slice(-2).join('/');
const observation = (subject: string, code: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: subject }, ...extra,
});

describeEachEngine('FHIR transaction', (server) => {
  const post = (bundle: unknown, headers: Record<string, string> = {}) => http('POST', server().fhirBase, bundle, headers);
  const count = async (query: string) => (await http('GET', `${server().fhirBase}/${query}${query.includes('?') ? '&' : '?'}_summary=count`)).body.total as number;
  // What the server writes about itself meanwhile (the disclosure log of this suite's own reads: AuditEvents, the app's Device) is left out.
  // `_since` is inclusive, to the millisecond: a moment after every write made so far (the setup's, an earlier test's).
  const sinceNow = async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return new Date().toISOString();
  };
  const historySince = async (since: string) => ((await http('GET', `${server().fhirBase}/_history?_since=${encodeURIComponent(since)}&_count=1000`)).body.entry ?? [])
    .filter((e: { fullUrl?: string }) => !/\/(AuditEvent|Device)\//.test(e.fullUrl ?? ''));

  test('a realistic transaction: urn:uuid creates, conditional create, PUT, PATCH, DELETE, GET, in request order', async () => {
    const base = server().fhirBase;
    const org = await http('POST', `${base}/Organization`, { resourceType: 'Organization', name: 'Acme Clinic', identifier: [{ system: 'http://example.org/orgs', value: 'acme' }] });
    const gone = await http('POST', `${base}/Patient`, patientBody('Leaving', ids('tx-gone')));
    await http('PUT', `${base}/Observation/obs-to-patch`, { id: 'obs-to-patch', ...observation(`Patient/${gone.body.id}`, '8867-4') });
    const response = await post(transaction([
      { fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', resource: patientBody('Chalmers', {
        ...ids('tx-1'),
        text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Seen at <a href="urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059">Acme</a></div>' },
        managingOrganization: { reference: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059' },
        generalPractitioner: [{ reference: 'urn:uuid:7f4c6b1e-1a9b-4d0e-9c55-3e2f6a1d0b11' }],
      }), request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059', resource: { resourceType: 'Organization', name: 'Acme Clinic', identifier: [{ system: 'http://example.org/orgs', value: 'acme' }] },
        request: { method: 'POST', url: 'Organization', ifNoneExist: 'identifier=http://example.org/orgs|acme' } },
      { fullUrl: 'urn:uuid:7f4c6b1e-1a9b-4d0e-9c55-3e2f6a1d0b11', resource: { resourceType: 'Practitioner', name: [{ family: 'Careful', given: ['Adam'] }] },
        request: { method: 'POST', url: 'Practitioner' } },
      { fullUrl: `${base}/Encounter/enc-tx-1`, resource: { resourceType: 'Encounter', id: 'enc-tx-1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' } },
        request: { method: 'PUT', url: 'Encounter/enc-tx-1' } },
      { resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' }, encounter: { reference: `${base}/Encounter/enc-tx-1` },
        code: { text: 'Hypertension' }, evidence: [{ detail: [{ reference: 'urn:uuid:3b0f0f4e-6c1d-4c8e-b1c8-1b7f3e4b5a10' }] }] },
        request: { method: 'POST', url: 'Condition' } },
      { fullUrl: 'urn:uuid:3b0f0f4e-6c1d-4c8e-b1c8-1b7f3e4b5a10', resource: observation('urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', '8480-6', { performer: [{ reference: 'urn:uuid:7f4c6b1e-1a9b-4d0e-9c55-3e2f6a1d0b11' }] }),
        request: { method: 'POST', url: 'Observation' } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64([
        { op: 'replace', path: '/status', value: 'amended' },
        { op: 'add', path: '/performer', value: [{ reference: 'urn:uuid:7f4c6b1e-1a9b-4d0e-9c55-3e2f6a1d0b11' }] },
      ]) }, request: { method: 'PATCH', url: 'Observation/obs-to-patch' } },
      { request: { method: 'DELETE', url: `Patient/${gone.body.id}` } },
      { request: { method: 'GET', url: `Patient?identifier=${MRN}|tx-1` } },
      { request: { method: 'GET', url: `Organization/${org.body.id}` } },
    ]));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.resourceType, 'Bundle');
    assert.equal(response.body.type, 'transaction-response');
    const entries = response.body.entry;
    assert.deepEqual(entries.map((e: any) => e.response.status),
      ['201 Created', '200 OK', '201 Created', '201 Created', '201 Created', '201 Created', '200 OK', '204 No Content', '200 OK', '200 OK']);
    for (const i of [0, 1, 2, 3, 4, 5, 6]) {
      assert.match(entries[i].response.location, /^http:\/\/.+\/fhir\/[A-Za-z]+\/[^/]+\/_history\/\d+$/, `entry ${i}`);
      assert.match(entries[i].response.etag, /^W\/"\d+"$/);
      assert.ok(!Number.isNaN(Date.parse(entries[i].response.lastModified)));
      assert.equal(entries[i].fullUrl, entries[i].response.location.split('/_history/')[0]);
    }
    const [patient, organization, practitioner] = [0, 1, 2].map((i) => idOf(entries[i].response.location));
    const observationId = idOf(entries[5].response.location);
    assert.equal(organization, `Organization/${org.body.id}`, 'the conditional create matched the existing Organization');
    assert.equal(entries[1].resource.id, org.body.id);

    const stored = (await http('GET', `${base}/${patient}`)).body;
    assert.equal(stored.managingOrganization.reference, organization);
    assert.equal(stored.generalPractitioner[0].reference, practitioner);
    assert.match(stored.text.div, new RegExp(`href="${organization}"`), 'narrative links are replaced too');
    assert.equal((await http('GET', `${base}/Encounter/enc-tx-1`)).body.subject.reference, patient);
    const condition = (await http('GET', `${base}/${idOf(entries[4].response.location)}`)).body;
    assert.equal(condition.subject.reference, patient);
    assert.equal(condition.evidence[0].detail[0].reference, observationId);
    assert.equal(condition.encounter.reference, 'Encounter/enc-tx-1', 'a reference to an absolute fullUrl becomes Type/id');
    assert.equal((await http('GET', `${base}/${observationId}`)).body.performer[0].reference, practitioner);
    const patched = (await http('GET', `${base}/Observation/obs-to-patch`)).body;
    assert.equal(patched.status, 'amended');
    assert.equal(patched.meta.versionId, '2');
    assert.equal(patched.performer[0].reference, practitioner, 'references inside a PATCH are replaced');
    assert.equal((await http('GET', `${base}/Patient/${gone.body.id}`)).status, 410);
    assert.equal(await count('Organization?identifier=http://example.org/orgs|acme'), 1, 'nothing new stored for the matched conditional create');
    assert.equal((await http('GET', `${base}/Organization/${org.body.id}/_history`)).body.entry.length, 1);
    // R4 §3.1.0.11.2: GETs are processed after every write, so they see the transaction's own writes.
    assert.equal(entries[8].resource.type, 'searchset');
    assert.deepEqual(entries[8].resource.entry.map((e: any) => `Patient/${e.resource.id}`), [patient]);
    assert.equal(entries[9].resource.id, org.body.id);
  });

  test('conditional references resolve to the one match; none or several fail the whole transaction', async () => {
    const base = server().fhirBase;
    const created = await http('POST', `${base}/Patient`, patientBody('Ref', ids('cref-1')));
    const ok = await post(transaction([{ resource: observation(`Patient?identifier=${MRN}|cref-1`, '1-1'), request: { method: 'POST', url: 'Observation' } }]));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const stored = await http('GET', `${base}/${idOf(ok.body.entry[0].response.location)}`);
    assert.equal(stored.body.subject.reference, `Patient/${created.body.id}`);

    await http('POST', `${base}/Patient`, patientBody('Twin', ids('cref-2')));
    await http('POST', `${base}/Patient`, patientBody('Twin', ids('cref-2')));
    for (const [value, status] of [['cref-none', 404], ['cref-2', 412]] as const) {
      const failed = await post(transaction([
        { resource: observation(`Patient/${created.body.id}`, '1-2'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation(`Patient?identifier=${MRN}|${value}`, '1-2'), request: { method: 'POST', url: 'Observation' } },
      ]));
      assert.equal(failed.status, status, JSON.stringify(failed.body));
      assert.equal(failed.body.resourceType, 'OperationOutcome');
      assert.match(failed.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
    }
    assert.equal(await count('Observation?code=1-2'), 0);
  });

  test('a conditional reference may name a resource this transaction creates, whatever the entry order', async () => {
    const response = await post(transaction([
      { resource: observation(`Patient?identifier=${MRN}|cref-new`, '1-3'), request: { method: 'POST', url: 'Observation' } },
      { resource: patientBody('New', ids('cref-new')), request: { method: 'POST', url: 'Patient' } },
    ]));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const stored = await http('GET', `${server().fhirBase}/${idOf(response.body.entry[0].response.location)}`);
    assert.equal(stored.body.subject.reference, idOf(response.body.entry[1].response.location));
  });

  test('conditional update and delete entries; a conditional update fullUrl can be referenced', async () => {
    const base = server().fhirBase;
    const first = await post(transaction([
      { fullUrl: 'urn:uuid:0c1f7a52-5a55-4b1e-8f6e-7d8c9b0a1e21', resource: patientBody('Cupd', ids('cupd-1')), request: { method: 'PUT', url: `Patient?identifier=${MRN}|cupd-1` } },
      { resource: observation('urn:uuid:0c1f7a52-5a55-4b1e-8f6e-7d8c9b0a1e21', '2-1'), request: { method: 'POST', url: 'Observation' } },
    ]));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.entry[0].response.status, '201 Created');
    const patient = idOf(first.body.entry[0].response.location);
    assert.equal((await http('GET', `${base}/${idOf(first.body.entry[1].response.location)}`)).body.subject.reference, patient);

    const doomed = await http('POST', `${base}/Patient`, patientBody('Cdel', ids('cdel-1')));
    const second = await post(transaction([
      { resource: patientBody('Cupd-2', ids('cupd-1')), request: { method: 'PUT', url: `Patient?identifier=${MRN}|cupd-1` } },
      { request: { method: 'DELETE', url: `Patient?identifier=${MRN}|cdel-1` } },
    ]));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.entry.map((e: any) => e.response.status), ['200 OK', '204 No Content']);
    assert.equal(idOf(second.body.entry[0].response.location), patient);
    assert.equal(second.body.entry[0].resource.meta.versionId, '2');
    assert.equal((await http('GET', `${base}/Patient/${doomed.body.id}`)).status, 410);
  });

  test('one bad entry fails the whole transaction, names the entry, and stores nothing', async () => {
    const base = server().fhirBase;
    const existing = await http('PUT', `${base}/Patient/atomic-0`, { id: 'atomic-0', ...patientBody('Atomic') });
    await http('PUT', `${base}/Patient/atomic-1`, { id: 'atomic-1', ...patientBody('Atomic') });
    await http('POST', `${base}/Patient`, patientBody('Dup', ids('atomic-dup')));
    await http('POST', `${base}/Patient`, patientBody('Dup', ids('atomic-dup')));
    const bad: [string, number, unknown][] = [
      ['invalid resource', 422, { resource: patientBody('Bad', { gender: 'alien' }), request: { method: 'POST', url: 'Patient' } }],
      ['unknown element', 400, { resource: patientBody('Bad', { colour: 'blue' }), request: { method: 'POST', url: 'Patient' } }],
      ['stale If-Match', 412, { resource: { id: 'atomic-1', ...patientBody('Stale') }, request: { method: 'PUT', url: 'Patient/atomic-1', ifMatch: 'W/"7"' } }],
      ['unknown type', 404, { resource: { resourceType: 'Spaceship' }, request: { method: 'POST', url: 'Spaceship' } }],
      ['conditional create, several matches', 412, { resource: patientBody('Dup', ids('atomic-dup')), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|atomic-dup` } }],
      ['malformed url', 400, { resource: patientBody('Bad'), request: { method: 'PUT', url: 'Patient/not an id!' } }],
      ['absolute url of another server', 400, { resource: patientBody('Bad'), request: { method: 'POST', url: 'http://elsewhere.example.org/fhir/Patient' } }],
      ['bad percent-encoding', 400, { request: { method: 'GET', url: 'Patient/%E0%A4%A' } }],
      ['delete of an unknown resource', 404, { request: { method: 'DELETE', url: 'Patient/never-was' } }],
      ['read of a missing resource', 404, { request: { method: 'GET', url: 'Patient/never-was' } }],
      ['dangling urn:uuid', 400, { resource: observation('urn:uuid:9d2a3c6e-0000-4000-8000-000000000000', '3-1'), request: { method: 'POST', url: 'Observation' } }],
      ['unknown search parameter in ifNoneExist', 400, { resource: patientBody('Bad'), request: { method: 'POST', url: 'Patient', ifNoneExist: 'shoe-size=42' } }],
      ['PATCH with a broken Binary', 400, { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64('not a patch') }, request: { method: 'PATCH', url: 'Patient/atomic-1' } }],
    ];
    for (const [name, status, entry] of bad) {
      const since = await sinceNow();
      const response = await post(transaction([
        { fullUrl: 'urn:uuid:2d5f5d0e-1111-4aaa-8bbb-000000000001', resource: patientBody('Good', ids(`atomic-${name}`)), request: { method: 'POST', url: 'Patient' } },
        { resource: observation('urn:uuid:2d5f5d0e-1111-4aaa-8bbb-000000000001', '3-2'), request: { method: 'POST', url: 'Observation' } },
        { resource: { id: 'atomic-0', ...patientBody('Changed') }, request: { method: 'PUT', url: 'Patient/atomic-0' } },
        entry,
      ]));
      assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.resourceType, 'OperationOutcome', name);
      const issue = response.body.issue[0];
      assert.ok(issue.diagnostics.includes('Bundle.entry[3]') && issue.expression.every((e: string) => e.startsWith('Bundle.entry[3]')), `${name}: ${JSON.stringify(issue)}`);
      assert.equal(await count(`Patient?identifier=${MRN}|atomic-${encodeURIComponent(name)}`), 0, name);
      assert.equal(await count('Observation?code=3-2'), 0, name);
      assert.deepEqual(await historySince(since), [], name);
      assert.equal((await http('GET', `${base}/Patient/atomic-0`)).body.meta.versionId, existing.body.meta.versionId, name);
    }
  });

  test('concurrent transactions on one resource: no lost update, conflicts are 409/412, never 500', async () => {
    const base = server().fhirBase;
    await http('PUT', `${base}/Patient/conc-1`, { id: 'conc-1', ...patientBody('Conc') });
    const guarded = await Promise.all(Array.from({ length: 8 }, (_, i) => post(transaction([
      { resource: { id: 'conc-1', ...patientBody(`Guarded-${i}`) }, request: { method: 'PUT', url: 'Patient/conc-1', ifMatch: 'W/"1"' } },
    ]))));
    assert.deepEqual(guarded.map((r) => r.status).sort(), [200, 412, 412, 412, 412, 412, 412, 412]);

    // Opposite lock orders in concurrent transactions: each must apply whole, none deadlock.
    await http('PUT', `${base}/Patient/conc-2`, { id: 'conc-2', ...patientBody('Conc') });
    const crossed = await Promise.all(Array.from({ length: 8 }, (_, i) => post(transaction((i % 2 === 0 ? ['conc-1', 'conc-2'] : ['conc-2', 'conc-1'])
      .map((id) => ({ resource: { id, ...patientBody(`Crossed-${i}`) }, request: { method: 'PUT', url: `Patient/${id}` } }))))));
    assert.deepEqual(crossed.map((r) => r.status), Array(8).fill(200));
    const one = await http('GET', `${base}/Patient/conc-1`);
    const two = await http('GET', `${base}/Patient/conc-2`);
    assert.equal(one.body.meta.versionId, '10');
    assert.equal(two.body.meta.versionId, '9');
    assert.equal(one.body.name[0].family, two.body.name[0].family, 'the last transaction applied to both');

    const racing = await Promise.all(Array.from({ length: 6 }, () => post(transaction([
      { resource: { id: 'conc-new', ...patientBody('Race') }, request: { method: 'PUT', url: 'Patient/conc-new' } },
    ]))));
    const statuses = racing.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 409), statuses.join());
    const history = await http('GET', `${base}/Patient/conc-new/_history`);
    assert.equal(history.body.entry.length, statuses.filter((s) => s === 200).length, 'every acknowledged write is a version');
  });

  test('a transaction of 10 patients with 25 resources each; history shows every entry', async () => {
    const since = await sinceNow();
    const entry: unknown[] = [];
    for (let p = 0; p < 10; p++) {
      const fullUrl = `urn:uuid:5e1c0d7a-${String(p).padStart(4, '0')}-4000-8000-000000000000`;
      entry.push({ fullUrl, resource: patientBody(`Bulk${p}`, ids(`bulk-${p}`)), request: { method: 'POST', url: 'Patient' } });
      for (let c = 0; c < 5; c++) {
        entry.push({ resource: { resourceType: 'Condition', subject: { reference: fullUrl }, code: { coding: [{ system: 'http://snomed.info/sct', code: `4400${c}` }] } }, request: { method: 'POST', url: 'Condition' } });
      }
      for (let o = 0; o < 20; o++) {
        entry.push({ resource: observation(fullUrl, 'bulk-obs', { valueQuantity: { value: o, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }), request: { method: 'POST', url: 'Observation' } });
      }
    }
    const response = await post(transaction(entry));
    assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 500));
    assert.equal(response.body.entry.length, 260);
    assert.ok(response.body.entry.every((e: any) => e.response.status === '201 Created'));
    for (let p = 0; p < 10; p += 3) {
      const patient = idOf(response.body.entry[p * 26].response.location);
      assert.equal(await count(`Observation?subject=${patient}`), 20);
      assert.equal(await count(`Condition?subject=${patient}`), 5);
    }
    const history = await historySince(since);
    assert.equal(history.length, 260);
    const locations = new Set(response.body.entry.map((e: any) => idOf(e.response.location)));
    assert.ok(history.every((e: any) => locations.has(`${e.resource.resourceType}/${e.resource.id}`)));
  });

  test('Prefer: return=minimal leaves the resources out of the response entries', async () => {
    const response = await post(transaction([{ resource: patientBody('Minimal'), request: { method: 'POST', url: 'Patient' } }]), { prefer: 'return=minimal' });
    assert.equal(response.status, 200);
    assert.equal(response.body.entry[0].resource, undefined);
    assert.equal(response.body.entry[0].response.status, '201 Created');
    assert.match(response.body.entry[0].response.location, /\/Patient\//);
  });
});
