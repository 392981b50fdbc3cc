import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Client } from 'fhir-kit-client';
import { generatePatientRecord, generateSharedResources } from '../../src/model/index.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * An independent FHIR client (fhir-kit-client, not written here) against the real server: CRUD,
 * history, a transaction, searches, compartment search and paging with its own nextPage. If it
 * works with us, our wire format is not a private dialect of our own tests.
 */
describeEachEngine('fhir-kit-client against the server', (server) => {
  // fhir-kit-client sends whatever headers it is given: the harness's backend token.
  let token = '';
  before(async () => {
    token = await server().tokens.get();
  });
  const client = () => new Client({ baseUrl: server().fhirBase, customHeaders: { authorization: `Bearer ${token}` } });

  test('create, read, update, history and delete', async () => {
    const fhir = client();
    const created: any = await fhir.create({
      resourceType: 'Patient',
      body: { resourceType: 'Patient', name: [{ family: 'Kit', given: ['Client'] }], gender: 'female', birthDate: '1980-02-29' },
    });
    assert.match(created.id, /^[A-Za-z0-9\-.]{1,64}$/);
    const read: any = await fhir.read({ resourceType: 'Patient', id: created.id });
    assert.equal(read.name[0].family, 'Kit');
    const updated: any = await fhir.update({ resourceType: 'Patient', id: created.id, body: { ...read, gender: 'other' } });
    assert.equal(updated.meta.versionId, '2');
    const history: any = await fhir.history({ resourceType: 'Patient', id: created.id });
    assert.equal(history.type, 'history');
    assert.deepEqual(history.entry.map((e: any) => e.resource.meta.versionId), ['2', '1']);
    await fhir.delete({ resourceType: 'Patient', id: created.id });
    await assert.rejects(fhir.read({ resourceType: 'Patient', id: created.id }), (error: any) => error.response?.status === 410);
    const found: any = await fhir.search({ resourceType: 'Patient', searchParams: { family: 'kit' } });
    assert.equal(found.entry, undefined);
  });

  test('a transaction of synthetic charts, then searches with tokens, dates, chains and compartments', async () => {
    const fhir = client();
    const resources = [...generateSharedResources(11), ...generatePatientRecord(0, 11), ...generatePatientRecord(1, 11)] as any[];
    const result: any = await fhir.transaction({
      body: { resourceType: 'Bundle', type: 'transaction', entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })) },
    });
    assert.equal(result.type, 'transaction-response');
    assert.equal(result.entry.length, resources.length);

    const patient = resources.find((r) => r.id === 'pat-11-0');
    const problems = resources.filter((r) => r.resourceType === 'Condition' && r.subject.reference === 'Patient/pat-11-0'
      && r.category[0].coding[0].code === 'problem-list-item');
    const bundle: any = await fhir.search({ resourceType: 'Condition', searchParams: { patient: 'pat-11-0', category: 'problem-list-item' } });
    assert.deepEqual(bundle.entry.map((e: any) => e.resource.id).sort(), problems.map((c) => c.id).sort());

    const byBirth: any = await fhir.search({ resourceType: 'Patient', searchParams: { birthdate: patient.birthDate.slice(0, 4), family: patient.name[0].family } });
    assert.ok(byBirth.entry.some((e: any) => e.resource.id === 'pat-11-0'));
    const chained: any = await fhir.search({ resourceType: 'Observation', searchParams: { 'patient.identifier': patient.identifier[0].value, _summary: 'count' } });
    assert.equal(chained.total, resources.filter((r) => r.resourceType === 'Observation' && r.subject.reference === 'Patient/pat-11-0').length);
    const compartment: any = await fhir.compartmentSearch({ resourceType: 'MedicationRequest', compartment: { resourceType: 'Patient', id: 'pat-11-0' }, searchParams: { status: 'active' } });
    assert.equal(compartment.entry?.length ?? 0, resources.filter((r) => r.resourceType === 'MedicationRequest' && r.subject.reference === 'Patient/pat-11-0').length);
    const anded: any = await fhir.search({ resourceType: 'Observation', searchParams: { patient: 'pat-11-0', date: ['ge2020', 'lt2030'], _summary: 'count' } });
    assert.equal(anded.total, chained.total);
  });

  test('paging with nextPage to the end, GET and POST searches alike', async () => {
    const fhir = client();
    const expected = (await fhir.search({ resourceType: 'Observation', searchParams: { _summary: 'count' } }) as any).total;
    assert.ok(expected > 20);
    for (const postSearch of [false, true]) {
      const seen: string[] = [];
      // `postSearch` is documented by the client but missing from its option types.
      let page: any = await fhir.search({ resourceType: 'Observation', searchParams: { _count: 7, _sort: '-date' }, options: { postSearch } } as any);
      for (;;) {
        seen.push(...(page.entry ?? []).map((e: any) => e.resource.id));
        const next = fhir.nextPage({ bundle: page });
        if (!next) break;
        page = await next;
      }
      assert.equal(seen.length, expected);
      assert.equal(new Set(seen).size, expected);
    }
  });

  test('a refused search surfaces as the client\'s HTTP error with our OperationOutcome', async () => {
    await assert.rejects(client().search({ resourceType: 'Patient', searchParams: { birthdate: 'soon' } }), (error: any) => {
      assert.equal(error.response?.status, 400);
      const outcome = typeof error.response.data === 'string' ? JSON.parse(error.response.data) : error.response.data;
      assert.deepEqual(outcome.issue[0].expression, ['birthdate']);
      return true;
    });
  });
});
