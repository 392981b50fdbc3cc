import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { parseScopes, type ResourceScope } from '../../src/model/index.js';
import { describeEachEngineWithCallers } from '../harness/access-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

/**
 * The FHIR API as a strict resource server (issue 3): 401 without a valid token, 403 when the
 * scopes do not cover the type or interaction, 404 for an instance outside the caller's reach,
 * searches and includes confined to what the caller may see, Bundle entries judged one by one.
 * Tokens are constructed AccessContexts (test/harness/access-server.ts).
 */
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const PROBLEM = `${CATEGORY}|problem-list-item`;

const scopes = (text: string): ResourceScope[] => parseScopes(text).scopes.filter((s): s is ResourceScope => s.kind === 'resource');

const CALLERS = {
  admin: 'open' as const,
  patA: { kind: 'user' as const, patientId: 'pa', scopes: scopes('patient/Condition.rs patient/Patient.rs patient/Medication.rs patient/MedicationRequest.rs patient/Practitioner.rs') },
  problems: { kind: 'user' as const, patientId: 'pa', scopes: scopes(`patient/Condition.rs?category=${PROBLEM}`) },
  readOnly: { kind: 'user' as const, patientId: 'pa', scopes: scopes('patient/Condition.r') },
  noPatient: { kind: 'user' as const, scopes: scopes('patient/*.rs') },
  writer: { kind: 'user' as const, patientId: 'pw', scopes: scopes('patient/Condition.cruds') },
  doctor: { kind: 'user' as const, fhirUser: 'Practitioner/dr1', scopes: scopes('user/*.cruds') },
  patientB: { kind: 'user' as const, fhirUser: 'Patient/pb', scopes: scopes('user/*.rs') },
  backend: { kind: 'backend' as const, scopes: scopes('system/Condition.rs system/Patient.rs') },
};

const condition = (id: string, patient: string, category: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` },
  category: [{ coding: [{ system: CATEGORY, code: category }] }],
  code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] }, ...extra,
});

describeEachEngineWithCallers('FHIR resource server', CALLERS, (server) => {
  const as = (name: string) => server().as(name);
  const get = (name: string, path: string) => http('GET', `${server().fhirBase}/${path}`, undefined, as(name));
  const idsOf = (bundle: any, mode = 'match') => (bundle.entry ?? []).filter((e: any) => e.search?.mode === mode).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();

  before(async () => {
    const put = async (resource: { resourceType: string; id: string; [key: string]: unknown }) => {
      const response = await http('PUT', `${server().fhirBase}/${resource.resourceType}/${resource.id}`, resource, as('admin'));
      assert.ok(response.status < 300, JSON.stringify(response.body));
    };
    await put({ id: 'pa', ...patientBody('Able') });
    await put({ id: 'pb', ...patientBody('Baker') });
    await put({ id: 'pw', ...patientBody('Writer') });
    await put(condition('cw1', 'pw', 'encounter-diagnosis'));
    await put({ resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'Who' }] });
    await put({ resourceType: 'Medication', id: 'med1', code: { text: 'Metformin' } });
    await put({ resourceType: 'Questionnaire', id: 'q1', status: 'active' });
    await put(condition('ca1', 'pa', 'problem-list-item', { asserter: { reference: 'Practitioner/dr1' } }));
    await put(condition('ca2', 'pa', 'encounter-diagnosis'));
    await put(condition('cb1', 'pb', 'problem-list-item', { asserter: { reference: 'Practitioner/dr1' } }));
    await put({ resourceType: 'MedicationRequest', id: 'mra', status: 'active', intent: 'order', subject: { reference: 'Patient/pa' }, medicationReference: { reference: 'Medication/med1' } });
    await put({ resourceType: 'Observation', id: 'oa', status: 'final', code: { text: 'Weight' }, subject: { reference: 'Patient/pa' } });
  });

  test('no token, or an unknown one: 401 with WWW-Authenticate: Bearer and an OperationOutcome (login)', async () => {
    const none = await http('GET', `${server().fhirBase}/Condition/ca1`, undefined, { authorization: '' });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="handover"$/);
    assert.equal(none.body.resourceType, 'OperationOutcome');
    assert.equal(none.body.issue[0].code, 'login');
    const bad = await http('GET', `${server().fhirBase}/Condition/ca1`, undefined, as('nobody'));
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // Authentication comes before anything else, even a malformed body.
    const post = await http('POST', `${server().fhirBase}/Condition`, '{not json', { authorization: '' });
    assert.equal(post.status, 401);
    const bundle = await http('POST', server().fhirBase, { resourceType: 'Bundle', type: 'batch', entry: [] }, { authorization: '' });
    assert.equal(bundle.status, 401);
  });

  test('/metadata stays public and declares SMART-on-FHIR security', async () => {
    const response = await http('GET', `${server().fhirBase}/metadata`, undefined, { authorization: '' });
    assert.equal(response.status, 200);
    const security = response.body.rest[0].security;
    assert.equal(security.cors, true);
    assert.deepEqual(security.service[0].coding[0].code, 'SMART-on-FHIR');
    assert.equal(security.service[0].coding[0].system, 'http://terminology.hl7.org/CodeSystem/restful-security-service');
  });

  test('scopes that do not cover the type or interaction: 403 insufficient_scope', async () => {
    const search = await get('readOnly', 'Condition');
    assert.equal(search.status, 403);
    assert.match(search.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.equal(search.body.issue[0].code, 'forbidden');
    assert.equal((await get('readOnly', 'Condition/ca1')).status, 200);
    assert.equal((await get('patA', 'Observation/oa')).status, 403);
    assert.equal((await http('POST', `${server().fhirBase}/Condition`, condition('x', 'pa', 'problem-list-item'), as('patA'))).status, 403);
    // patient/ scopes without a patient in context give nothing.
    assert.equal((await get('noPatient', 'Condition/ca1')).status, 403);
  });

  test('a patient/ token reading another patient\'s Condition gets 404, exactly as for one that does not exist', async () => {
    assert.equal((await get('patA', 'Condition/ca1')).status, 200);
    const other = await get('patA', 'Condition/cb1');
    const missing = await get('patA', 'Condition/nothing-here');
    assert.equal(other.status, 404);
    assert.equal(other.body.issue[0].code, missing.body.issue[0].code);
    assert.equal(other.body.issue[0].diagnostics.replace('cb1', 'X'), missing.body.issue[0].diagnostics.replace('nothing-here', 'X'));
    assert.equal((await get('patA', 'Patient/pb')).status, 404);
    assert.equal((await get('patA', 'Condition/cb1/_history/1')).status, 404);
    assert.equal((await get('patA', 'Condition/cb1/_history')).status, 404);
  });

  test('a patient/ search returns only that patient\'s resources, with a right total', async () => {
    const all = await get('patA', 'Condition?_total=accurate');
    assert.equal(all.status, 200);
    assert.deepEqual(idsOf(all.body), ['Condition/ca1', 'Condition/ca2']);
    assert.equal(all.body.total, 2);
    assert.deepEqual(idsOf((await get('patA', 'Condition?subject=Patient/pb')).body), []);
    assert.deepEqual(idsOf((await get('patA', 'Patient')).body), ['Patient/pa']);
    assert.deepEqual(idsOf((await get('patA', 'Patient/pb/Condition')).body), []);
    const history = await get('patA', 'Condition/_history');
    assert.equal(history.status, 200);
    assert.deepEqual([...new Set(history.body.entry.map((e: any) => e.fullUrl.split('/').slice(-2).join('/')))].sort(), ['Condition/ca1', 'Condition/ca2']);
  });

  test('_include and _revinclude bring in only what the caller may see', async () => {
    const included = await get('patA', 'Condition?_include=Condition:subject&_include=Condition:asserter');
    assert.deepEqual(idsOf(included.body, 'include'), ['Patient/pa', 'Practitioner/dr1']);
    // dr1 asserted a Condition of each patient: only patient A's comes back.
    const reverse = await get('patA', 'Practitioner?_id=dr1&_revinclude=Condition:asserter');
    assert.deepEqual(idsOf(reverse.body), ['Practitioner/dr1']);
    assert.deepEqual(idsOf(reverse.body, 'include'), ['Condition/ca1']);
    // A type the caller has no scope for is never included.
    const noPatientScope = await get('problems', 'Condition?_include=Condition:subject');
    assert.deepEqual(idsOf(noPatientScope.body, 'include'), []);
  });

  test('a granular category scope admits only matching resources, in searches and reads', async () => {
    const found = await get('problems', 'Condition');
    assert.deepEqual(idsOf(found.body), ['Condition/ca1']);
    assert.equal((await get('problems', 'Condition/ca1')).status, 200);
    assert.equal((await get('problems', 'Condition/ca2')).status, 404);
    assert.equal((await get('problems', 'Condition/cb1')).status, 404);
  });

  test('Medication, Practitioner …: readable and searchable with patient/ scopes naming them; other types outside the compartment are not', async () => {
    assert.equal((await get('patA', 'Medication/med1')).status, 200);
    assert.deepEqual(idsOf((await get('patA', 'Medication')).body), ['Medication/med1']);
    assert.equal((await get('patA', 'Practitioner/dr1')).status, 200);
    const medicationList = await get('patA', 'MedicationRequest?_include=MedicationRequest:medication');
    assert.deepEqual(idsOf(medicationList.body, 'include'), ['Medication/med1']);
    assert.equal((await get('noPatient', 'Questionnaire/q1')).status, 403);
    assert.equal((await http('GET', `${server().fhirBase}/Questionnaire/q1`, undefined, as('patA'))).status, 403);
  });

  test('each batch entry is checked on its own', async () => {
    const response = await http('POST', server().fhirBase, {
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: 'Condition/ca1' } },
        { request: { method: 'GET', url: 'Condition/cb1' } },
        { request: { method: 'GET', url: 'Observation/oa' } },
        { request: { method: 'GET', url: 'Condition?_id=cb1,ca2' } },
      ],
    }, as('patA'));
    assert.equal(response.status, 200);
    const entries = response.body.entry;
    assert.deepEqual(entries.map((e: any) => e.response.status), ['200 OK', '404 Not Found', '403 Forbidden', '200 OK']);
    assert.equal(entries[2].response.outcome.issue[0].code, 'forbidden');
    assert.deepEqual(idsOf(entries[3].resource), ['Condition/ca2']);
  });

  test('writes: inside the compartment only; a transaction with one entry outside fails whole', async () => {
    const base = server().fhirBase;
    const created = await http('POST', `${base}/Condition`, condition('ignored', 'pw', 'problem-list-item'), as('writer'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const elsewhere = await http('POST', `${base}/Condition`, condition('ignored', 'pb', 'problem-list-item'), as('writer'));
    assert.equal(elsewhere.status, 403);
    assert.equal((await http('PUT', `${base}/Condition/cw1`, condition('cw1', 'pb', 'encounter-diagnosis'), as('writer'))).status, 403);
    assert.equal((await http('PUT', `${base}/Condition/cw1`, condition('cw1', 'pw', 'problem-list-item'), as('writer'))).status, 200);
    assert.equal((await http('PUT', `${base}/Condition/cb1`, condition('cb1', 'pw', 'problem-list-item'), as('writer'))).status, 404);
    assert.equal((await http('DELETE', `${base}/Condition/cb1`, undefined, as('writer'))).status, 404);
    // A conditional delete only sees the caller's own: cb1 matches the criteria but survives.
    assert.equal((await http('DELETE', `${base}/Condition?_id=cb1`, undefined, as('writer'))).status, 204);
    assert.equal((await http('GET', `${base}/Condition/cb1`, undefined, as('admin'))).status, 200);
    // If-None-Exist does not find another patient's resource.
    const conditional = await http('POST', `${base}/Condition`, condition('x', 'pw', 'problem-list-item'), { ...as('writer'), 'if-none-exist': '_id=cb1' });
    assert.equal(conditional.status, 201);
    const transaction = await http('POST', base, {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: condition('x', 'pw', 'problem-list-item', { note: [{ text: 'tx-mine' }] }), request: { method: 'POST', url: 'Condition' } },
        { resource: condition('x', 'pb', 'problem-list-item', { note: [{ text: 'tx-theirs' }] }), request: { method: 'POST', url: 'Condition' } },
      ],
    }, as('writer'));
    assert.equal(transaction.status, 403, JSON.stringify(transaction.body));
    assert.match(transaction.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    const mine = await http('GET', `${base}/Condition?_count=1000`, undefined, as('admin'));
    assert.ok(!JSON.stringify(mine.body).includes('tx-mine'), 'the transaction stored nothing');
  });

  test('user/ scopes: a practitioner sees everything covered; a patient user their own compartment', async () => {
    assert.equal((await get('doctor', 'Condition/cb1')).status, 200);
    assert.ok(idsOf((await get('doctor', 'Condition?_count=100')).body).includes('Condition/cb1'));
    assert.equal((await get('doctor', 'Questionnaire/q1')).status, 200);
    assert.equal((await get('patientB', 'Condition/cb1')).status, 200);
    assert.equal((await get('patientB', 'Condition/ca1')).status, 404);
    assert.deepEqual(idsOf((await get('patientB', 'Condition')).body), ['Condition/cb1']);
  });

  test('system/ scopes serve backend services across patients, for the types and interactions granted', async () => {
    assert.equal((await get('backend', 'Condition/ca1')).status, 200);
    assert.equal((await get('backend', 'Condition/cb1')).status, 200);
    assert.ok(idsOf((await get('backend', 'Condition?_count=100')).body).length >= 3);
    assert.equal((await get('backend', 'Observation/oa')).status, 403);
    assert.equal((await http('POST', `${server().fhirBase}/Condition`, condition('x', 'pa', 'problem-list-item'), as('backend'))).status, 403);
    const history = await get('backend', '_history?_count=1000');
    assert.equal(history.status, 200);
    const types = new Set(history.body.entry.map((e: any) => e.fullUrl.split('/').slice(-2)[0]));
    assert.deepEqual([...types].sort(), ['Condition', 'Patient']);
  });

  test('an open server allows everything', async () => {
    assert.equal((await get('admin', 'Observation/oa')).status, 200);
    assert.equal((await get('admin', 'Questionnaire/q1')).status, 200);
  });
});
