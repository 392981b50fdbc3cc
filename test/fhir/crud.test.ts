import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

describeEachEngine('FHIR create, read, vread, update, delete', (server) => {
  test('create answers 201 with Location, ETag, Last-Modified and the stored resource', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody());
    assert.equal(created.status, 201);
    assert.equal(created.body.resourceType, 'Patient');
    assert.match(created.body.id, /^[A-Za-z0-9\-.]{1,64}$/);
    assert.equal(created.body.meta.versionId, '1');
    assert.equal(created.headers.get('location'), `${server().fhirBase}/Patient/${created.body.id}/_history/1`);
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.ok(created.headers.get('last-modified'));
    assert.match(created.headers.get('content-type') ?? '', /application\/fhir\+json/);
    const read = await http('GET', `${server().fhirBase}/Patient/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
  });

  test('a body with a UTF-8 byte order mark is accepted', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, `\uFEFF${JSON.stringify(patientBody('Bom'))}`);
    assert.equal(created.status, 201);
    assert.equal(created.body.name[0].family, 'Bom');
  });

  test('a client id in a create body is replaced by a server id', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody('Id', { id: 'mine' }));
    assert.equal(created.status, 201);
    assert.notEqual(created.body.id, 'mine');
  });

  test('update creates versions; vread returns each; If-Match guards against lost updates', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody('Versioned'));
    const id = created.body.id;
    const updated = await http('PUT', `${server().fhirBase}/Patient/${id}`, { ...patientBody('Versioned2'), id }, { 'if-match': 'W/"1"' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.meta.versionId, '2');
    const stale = await http('PUT', `${server().fhirBase}/Patient/${id}`, { ...patientBody('Lost'), id }, { 'if-match': 'W/"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
    const v1 = await http('GET', `${server().fhirBase}/Patient/${id}/_history/1`);
    assert.equal(v1.body.name[0].family, 'Versioned');
    const current = await http('GET', `${server().fhirBase}/Patient/${id}`);
    assert.equal(current.body.name[0].family, 'Versioned2');
    const missing = await http('GET', `${server().fhirBase}/Patient/${id}/_history/9`);
    assert.equal(missing.status, 404);
  });

  test('update with a new client id creates the resource (201)', async () => {
    const id = `client-${Date.now()}`;
    const created = await http('PUT', `${server().fhirBase}/Patient/${id}`, { ...patientBody('Client'), id });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, id);
    assert.equal(created.headers.get('location'), `${server().fhirBase}/Patient/${id}/_history/1`);
  });

  test('update refuses a body id that differs from the URL, or no id', async () => {
    const wrong = await http('PUT', `${server().fhirBase}/Patient/abc`, { ...patientBody(), id: 'xyz' });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body.issue[0].expression, ['Patient.id']);
    const none = await http('PUT', `${server().fhirBase}/Patient/abc`, patientBody());
    assert.equal(none.status, 400);
    assert.equal((await http('GET', `${server().fhirBase}/Patient/abc`)).status, 404);
  });

  test('delete makes a later read answer 410 Gone, and history keeps the versions', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody('Deleted'));
    const id = created.body.id;
    const deleted = await http('DELETE', `${server().fhirBase}/Patient/${id}`);
    assert.equal(deleted.status, 204);
    const gone = await http('GET', `${server().fhirBase}/Patient/${id}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.issue[0].code, 'deleted');
    assert.equal((await http('DELETE', `${server().fhirBase}/Patient/${id}`)).status, 204);
    const history = await http('GET', `${server().fhirBase}/Patient/${id}/_history`);
    assert.equal(history.body.type, 'history');
    assert.deepEqual(history.body.entry.map((e: any) => e.request.method), ['DELETE', 'POST']);
    assert.equal((await http('GET', `${server().fhirBase}/Patient/${id}/_history/1`)).status, 200);
    assert.equal((await http('GET', `${server().fhirBase}/Patient/${id}/_history/2`)).status, 410);
  });

  test('unknown ids, types and bad ids answer OperationOutcomes', async () => {
    assert.equal((await http('GET', `${server().fhirBase}/Patient/does-not-exist`)).status, 404);
    const unknownType = await http('GET', `${server().fhirBase}/Spaceship/1`);
    assert.equal(unknownType.status, 404);
    assert.equal(unknownType.body.resourceType, 'OperationOutcome');
    assert.equal((await http('GET', `${server().fhirBase}/Patient/${'x'.repeat(65)}`)).status, 400);
    assert.equal((await http('DELETE', `${server().fhirBase}/Patient/never`)).status, 404);
  });

  test('Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await http('POST', `${server().fhirBase}/Patient`, patientBody(), { prefer: 'return=minimal' });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.text, '');
    assert.ok(minimal.headers.get('location'));
    const outcome = await http('POST', `${server().fhirBase}/Patient`, patientBody(), { prefer: 'return=OperationOutcome' });
    assert.equal(outcome.body.resourceType, 'OperationOutcome');
  });

  test('JSON Patch applies, validates and versions', async () => {
    const created = await http('POST', `${server().fhirBase}/Patient`, patientBody('Patchy'));
    const id = created.body.id;
    const patched = await http('PATCH', `${server().fhirBase}/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'male' }], { 'content-type': 'application/json-patch+json' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.gender, 'male');
    assert.equal(patched.body.meta.versionId, '2');
    const invalid = await http('PATCH', `${server().fhirBase}/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'alien' }], { 'content-type': 'application/json-patch+json' });
    assert.equal(invalid.status, 422);
    const broken = await http('PATCH', `${server().fhirBase}/Patient/${id}`, [{ op: 'remove', path: '/nothing/here' }], { 'content-type': 'application/json-patch+json' });
    assert.ok(broken.status === 422 || broken.status === 400);
    const wrongType = await http('PATCH', `${server().fhirBase}/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'male' }]);
    assert.equal(wrongType.status, 415);
    assert.equal((await http('GET', `${server().fhirBase}/Patient/${id}`)).body.meta.versionId, '2');
  });
});
