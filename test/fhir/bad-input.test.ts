import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

/** Bad input gets a clear OperationOutcome and changes nothing. */
describeEachEngine('FHIR bad input', (server) => {
  const count = async () => (await http('GET', `${server().fhirBase}/Patient?_summary=count`)).body.total as number;

  test('malformed JSON → 400 OperationOutcome', async () => {
    const before = await count();
    const response = await http('POST', `${server().fhirBase}/Patient`, '{"resourceType": "Patient", ');
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
    assert.match(response.body.issue[0].diagnostics, /not valid JSON/);
    assert.equal(await count(), before);
  });

  test('wrong resourceType, unknown element, wrong type, missing required element', async () => {
    const base = server().fhirBase;
    const before = await count();
    const wrongType = await http('POST', `${base}/Patient`, { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.body.issue[0].expression, ['resourceType']);
    const unknown = await http('POST', `${base}/Patient`, { ...patientBody(), colour: 'blue' });
    assert.equal(unknown.status, 400);
    assert.ok(unknown.body.issue.some((i: any) => i.expression?.includes('Patient.colour')));
    const badType = await http('POST', `${base}/Patient`, { ...patientBody(), active: 'yes' });
    assert.equal(badType.status, 400);
    assert.ok(badType.body.issue.some((i: any) => i.expression?.[0]?.startsWith('Patient.active')));
    const missing = await http('POST', `${base}/Condition`, { resourceType: 'Condition' });
    assert.equal(missing.status, 422);
    assert.ok(missing.body.issue.some((i: any) => i.expression?.includes('Condition.subject')));
    const badCode = await http('POST', `${base}/Patient`, { ...patientBody(), gender: 'alien' });
    assert.equal(badCode.status, 422);
    assert.equal(await count(), before);
  });

  test('bodies that are not objects, arrays, null', async () => {
    for (const body of ['[]', 'null', '42', '"text"']) {
      const response = await http('POST', `${server().fhirBase}/Patient`, body);
      assert.equal(response.status, 400, body);
      assert.equal(response.body.resourceType, 'OperationOutcome');
    }
  });

  test('absurdly deep nesting is refused without crashing', async () => {
    // Built as text: JSON.stringify itself would overflow the stack on this.
    const depth = 20000;
    const deep = '{"url":"http://example.org/x","extension":['.repeat(depth) + '{"url":"http://example.org/x","valueString":"end"}' + ']}'.repeat(depth);
    const response = await http('POST', `${server().fhirBase}/Patient`, `{"resourceType":"Patient","extension":[${deep}]}`);
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
    assert.equal((await http('GET', `${server().url}/healthz`)).status, 200);
  });

  test('a body over the limit → 413', async () => {
    const huge = { ...patientBody(), text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(17 * 1024 * 1024)}</div>` } };
    const response = await http('POST', `${server().fhirBase}/Patient`, huge);
    assert.equal(response.status, 413);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('XML is refused: 406 for Accept or _format, 415 for a body', async () => {
    const base = server().fhirBase;
    assert.equal((await http('GET', `${base}/metadata`, undefined, { accept: 'application/fhir+xml' })).status, 406);
    assert.equal((await http('GET', `${base}/metadata?_format=xml`)).status, 406);
    const xml = await http('POST', `${base}/Patient`, '<Patient xmlns="http://hl7.org/fhir"/>', { 'content-type': 'application/fhir+xml' });
    assert.equal(xml.status, 415);
    assert.equal(xml.body.resourceType, 'OperationOutcome');
    assert.equal((await http('GET', `${base}/metadata?_format=json`)).status, 200);
    assert.equal((await http('GET', `${base}/metadata`, undefined, { accept: 'application/json' })).status, 200);
  });

  test('an unknown path answers a FHIR 404, an unsupported method a 405', async () => {
    const response = await http('GET', `${server().fhirBase}/Patient/1/2/3/4/5`);
    assert.equal(response.status, 404);
    assert.equal(response.body.resourceType, 'OperationOutcome');
    assert.equal((await http('PATCH', `${server().fhirBase}/Patient`, [])).status, 405);
  });
});
