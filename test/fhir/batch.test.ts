import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

/**
 * R4 §3.1.0.11 batch Bundles (independent entries, each with its own outcome), and the Bundle
 * input both batch and transaction refuse: not a batch/transaction, entries without a request,
 * unknown methods, foreign URLs, too many entries, repeated fullUrls, a resource touched twice.
 */
const MRN = 'http://hospital.example.org/mrn';
const ids = (value: string) => ({ identifier: [{ system: MRN, value }] });
const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const idOf = (location: string) => location.split('/_history/')[0]!.split('/').slice(-2).join('/');
const observation = (subject: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'Weight' }, subject: { reference: subject } });

describeEachEngine('FHIR batch and Bundle input', (server) => {
  const post = (body: unknown) => http('POST', server().fhirBase, body);
  const count = async (query: string) => (await http('GET', `${server().fhirBase}/${query}&_summary=count`)).body.total as number;

  test('batch entries are independent: failures get their own status and outcome, the others apply', async () => {
    const base = server().fhirBase;
    await http('PUT', `${base}/Patient/batch-stale`, { id: 'batch-stale', ...patientBody('Stale') });
    await http('PUT', `${base}/Patient/batch-patch`, { id: 'batch-patch', ...patientBody('Patch') });
    await http('POST', `${base}/Patient`, patientBody('Known', ids('batch-known')));
    const doomed = await http('POST', `${base}/Patient`, patientBody('Doomed'));
    const response = await post(bundle('batch', [
      { fullUrl: 'urn:uuid:8a3e7a4c-0000-4000-8000-000000000001', resource: patientBody('Batch', ids('batch-0')), request: { method: 'POST', url: 'Patient' } },
      { resource: patientBody('Bad', { gender: 'alien' }), request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/batch-missing' } },
      { resource: { id: 'batch-1', ...patientBody('Put') }, request: { method: 'PUT', url: 'Patient/batch-1' } },
      { resource: { id: 'batch-stale', ...patientBody('Stale2') }, request: { method: 'PUT', url: 'Patient/batch-stale', ifMatch: 'W/"9"' } },
      { request: { method: 'DELETE', url: `Patient/${doomed.body.id}` } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64([{ op: 'replace', path: '/gender', value: 'male' }]) },
        request: { method: 'PATCH', url: 'Patient/batch-patch' } },
      { request: { method: 'GET', url: `Patient?identifier=${MRN}|batch-0` } },
      { resource: observation('urn:uuid:8a3e7a4c-0000-4000-8000-000000000001'), request: { method: 'POST', url: 'Observation' } },
      { resource: observation(`Patient?identifier=${MRN}|batch-known`), request: { method: 'POST', url: 'Observation' } },
      { resource: patientBody('Known', ids('batch-known')), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|batch-known` } },
      { request: { method: 'GET', url: 'Patient/%E0%A4%A' } },
      { resource: patientBody('Elsewhere'), request: { method: 'POST', url: 'http://elsewhere.example.org/fhir/Patient' } },
      { resource: patientBody('Here', ids('batch-here')), request: { method: 'POST', url: `${base}/Patient` } },
    ]));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.type, 'batch-response');
    const entries = response.body.entry;
    assert.deepEqual(entries.map((e: any) => e.response.status), [
      '201 Created', '422 Unprocessable Entity', '404 Not Found', '201 Created', '412 Precondition Failed', '204 No Content', '200 OK',
      '200 OK', '400 Bad Request', '201 Created', '200 OK', '400 Bad Request', '400 Bad Request', '201 Created',
    ]);
    for (const i of [1, 2, 4, 8, 11, 12]) {
      const outcome = entries[i].response.outcome;
      assert.equal(outcome?.resourceType, 'OperationOutcome', `entry ${i}`);
      assert.match(outcome.issue[0].diagnostics, new RegExp(`^Bundle\\.entry\\[${i}\\]`));
      assert.equal(entries[i].resource, undefined);
    }
    assert.match(entries[8].response.outcome.issue[0].diagnostics, /batch entries are independent/);
    assert.deepEqual(entries[8].response.outcome.issue[0].expression, ['Bundle.entry[8].resource.subject.reference']);
    assert.match(entries[12].response.outcome.issue[0].diagnostics, /outside this server's base/);
    assert.equal(await count(`Patient?identifier=${MRN}|batch-0`), 1);
    assert.equal(entries[7].resource.total, 1, 'a batch GET sees the entries before it');
    assert.equal((await http('GET', `${base}/Patient/batch-1`)).status, 200);
    assert.equal((await http('GET', `${base}/Patient/batch-stale`)).body.meta.versionId, '1');
    assert.equal((await http('GET', `${base}/Patient/${doomed.body.id}`)).status, 410);
    assert.equal((await http('GET', `${base}/Patient/batch-patch`)).body.gender, 'male');
    const known = (await http('GET', `${base}/Patient?identifier=${MRN}|batch-known`)).body.entry[0].resource.id;
    assert.equal((await http('GET', `${base}/${idOf(entries[9].response.location)}`)).body.subject.reference, `Patient/${known}`);
    assert.equal(entries[10].resource.id, known);
    assert.equal(await count(`Patient?identifier=${MRN}|batch-known`), 1);
    assert.equal(await count(`Patient?identifier=${MRN}|batch-here`), 1);
  });

  test('a batch may touch one resource twice: entries run in order, each on its own', async () => {
    const response = await post(bundle('batch', [
      { resource: { id: 'batch-twice', ...patientBody('Twice') }, request: { method: 'PUT', url: 'Patient/batch-twice' } },
      { request: { method: 'DELETE', url: 'Patient/batch-twice' } },
      { request: { method: 'GET', url: 'Patient/batch-twice' } },
    ]));
    assert.deepEqual(response.body.entry.map((e: any) => e.response.status), ['201 Created', '204 No Content', '410 Gone']);
  });

  test('an empty batch or transaction answers an empty response Bundle', async () => {
    for (const type of ['batch', 'transaction']) {
      const response = await post({ resourceType: 'Bundle', type });
      assert.equal(response.status, 200);
      assert.equal(response.body.type, `${type}-response`);
      assert.equal(response.body.entry, undefined);
    }
  });

  test('what is not a batch or transaction Bundle is refused with an OperationOutcome', async () => {
    const cases: [string, unknown, string][] = [
      ['a Patient', patientBody(), 'resourceType'],
      ['an array', [], 'resourceType'],
      ['a collection', bundle('collection', [{ resource: patientBody() }]), 'Bundle.type'],
      ['a searchset', bundle('searchset', []), 'Bundle.type'],
      ['a history Bundle', bundle('history', []), 'Bundle.type'],
      ['entry.entry not an array', { resourceType: 'Bundle', type: 'batch', entry: {} }, 'Bundle.entry'],
    ];
    for (const [name, body, expression] of cases) {
      const response = await post(body);
      assert.equal(response.status, 400, name);
      assert.equal(response.body.resourceType, 'OperationOutcome', name);
      assert.deepEqual(response.body.issue[0].expression, [expression], name);
    }
  });

  for (const type of ['batch', 'transaction']) {
    test(`${type}: malformed entries fail the whole Bundle and store nothing`, async () => {
      const good = { resource: patientBody('Never', ids(`malformed-${type}`)), request: { method: 'POST', url: 'Patient' } };
      const cases: [string, unknown[], string][] = [
        ['an entry without request', [good, { resource: patientBody() }], 'Bundle.entry[1].request'],
        ['an entry that is not an object', [good, 'Patient'], 'Bundle.entry[1]'],
        ['an unknown method', [good, { request: { method: 'FETCH', url: 'Patient' } }], 'Bundle.entry[1].request.method'],
        ['a request without url', [good, { request: { method: 'GET' } }], 'Bundle.entry[1].request.url'],
        ['a resource that is not an object', [good, { resource: 'text', request: { method: 'POST', url: 'Patient' } }], 'Bundle.entry[1].resource'],
        ['duplicate fullUrls', [{ ...good, fullUrl: 'urn:uuid:d0d0d0d0-0000-4000-8000-000000000000' },
          { ...good, fullUrl: 'urn:uuid:d0d0d0d0-0000-4000-8000-000000000000' }], 'Bundle.entry[1].fullUrl'],
      ];
      for (const [name, entry, expression] of cases) {
        const response = await post(bundle(type, entry));
        assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.resourceType, 'OperationOutcome', name);
        assert.equal(response.body.issue[0].expression[0], expression, name);
      }
      assert.equal(await count(`Patient?identifier=${MRN}|malformed-${type}`), 0);
    });

    test(`${type}: more than 10,000 entries → 413 OperationOutcome, nothing stored`, async () => {
      const entry = Array.from({ length: 10_001 }, () => ({ resource: patientBody('Flood', ids(`flood-${type}`)), request: { method: 'POST', url: 'Patient' } }));
      const response = await post(bundle(type, entry));
      assert.equal(response.status, 413);
      assert.equal(response.body.resourceType, 'OperationOutcome');
      assert.match(response.body.issue[0].diagnostics, /at most 10000/);
      assert.equal(await count(`Patient?identifier=${MRN}|flood-${type}`), 0);
    });
  }

  test('a transaction that touches one resource twice is refused, naming both entries, nothing stored', async () => {
    const base = server().fhirBase;
    await http('PUT', `${base}/Patient/twice-1`, { id: 'twice-1', ...patientBody('Twice', ids('twice-1')) });
    const marker = { resource: patientBody('Never', ids('twice-marker')), request: { method: 'POST', url: 'Patient' } };
    const patch = { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64([{ op: 'replace', path: '/gender', value: 'male' }]) },
      request: { method: 'PATCH', url: 'Patient/twice-1' } };
    const cases: [string, unknown[]][] = [
      ['create and delete', [{ resource: { id: 'twice-2', ...patientBody('New') }, request: { method: 'PUT', url: 'Patient/twice-2' } },
        { request: { method: 'DELETE', url: 'Patient/twice-2' } }]],
      ['update and patch', [{ resource: { id: 'twice-1', ...patientBody('Upd') }, request: { method: 'PUT', url: 'Patient/twice-1' } }, patch]],
      ['conditional update and delete resolving to the same', [
        { resource: patientBody('Upd', ids('twice-1')), request: { method: 'PUT', url: `Patient?identifier=${MRN}|twice-1` } },
        { request: { method: 'DELETE', url: 'Patient/twice-1' } }]],
      ['a matched conditional create and a delete of its match', [
        { resource: patientBody('Same', ids('twice-1')), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|twice-1` } },
        { request: { method: 'DELETE', url: `Patient?identifier=${MRN}|twice-1` } }]],
    ];
    for (const [name, entries] of cases) {
      const since = new Date().toISOString();
      const response = await post(bundle('transaction', [marker, ...entries]));
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`);
      assert.deepEqual(response.body.issue[0].expression, ['Bundle.entry[1].request', 'Bundle.entry[2].request'], name);
      assert.match(response.body.issue[0].diagnostics, /both touch Patient\/twice-[12]/, name);
      const history = await http('GET', `${base}/_history?_since=${encodeURIComponent(since)}`);
      assert.equal(history.body.entry, undefined, name);
    }
    assert.equal((await http('GET', `${base}/Patient/twice-2`)).status, 404);
    assert.equal((await http('GET', `${base}/Patient/twice-1`)).body.meta.versionId, '1');

    // Reading a resource the transaction also changes is fine: only steps 1-3 may not overlap.
    const readAndWrite = await post(bundle('transaction', [
      { request: { method: 'GET', url: 'Patient/twice-1' } }, patch,
    ]));
    assert.equal(readAndWrite.status, 200, JSON.stringify(readAndWrite.body));
    assert.equal(readAndWrite.body.entry[0].resource.gender, 'male', 'the read ran after the patch');
  });

  test('an absurdly deep resource inside a Bundle is a 400, never a stack overflow', async () => {
    // Built as text: JSON.stringify itself would overflow the stack on this.
    const depth = 20000;
    const deep = '{"url":"http://example.org/x","extension":['.repeat(depth) + '{"url":"http://example.org/x","valueString":"end"}' + ']}'.repeat(depth);
    const entry = `{"fullUrl":"urn:uuid:0e0e0e0e-0000-4000-8000-000000000000","resource":{"resourceType":"Patient","extension":[${deep}]},"request":{"method":"POST","url":"Patient"}}`;
    const batch = await post(`{"resourceType":"Bundle","type":"batch","entry":[${entry}]}`);
    assert.equal(batch.body.entry[0].response.status, '400 Bad Request');
    const transaction = await post(`{"resourceType":"Bundle","type":"transaction","entry":[${entry}]}`);
    assert.equal(transaction.status, 400);
    assert.match(transaction.body.issue[0].diagnostics, /^Bundle\.entry\[0\]/);
  });

  test('PATCH entries: JSON Patch in a Binary only; FHIRPath Patch (Parameters) → 415', async () => {
    const base = server().fhirBase;
    await http('PUT', `${base}/Patient/patch-kinds`, { id: 'patch-kinds', ...patientBody('Kinds') });
    const response = await post(bundle('batch', [
      { resource: { resourceType: 'Parameters', parameter: [] }, request: { method: 'PATCH', url: 'Patient/patch-kinds' } },
      { resource: { resourceType: 'Binary', contentType: 'text/plain', data: base64([]) }, request: { method: 'PATCH', url: 'Patient/patch-kinds' } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64([{ op: 'replace', path: '/id', value: 'other' }]) },
        request: { method: 'PATCH', url: 'Patient/patch-kinds' } },
      { request: { method: 'PATCH', url: 'Patient/patch-kinds' } },
    ]));
    assert.deepEqual(response.body.entry.map((e: any) => e.response.status),
      ['415 Unsupported Media Type', '415 Unsupported Media Type', '422 Unprocessable Entity', '400 Bad Request']);
    assert.equal((await http('GET', `${base}/Patient/patch-kinds`)).body.meta.versionId, '1');
  });
});
