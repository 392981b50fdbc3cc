import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { http } from '../harness/fhir-http.js';
import { assertSameIds, expectRefused, putAll, search, searchIds } from '../harness/fhir-search.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * What a search does with input it cannot honour (R4 search §3.1.1.3.1, search.html#errors):
 * unknown parameters are ignored and reported, or refused under `Prefer: handling=strict`;
 * malformed values of known parameters are a 400 naming the parameter. And what it never does:
 * serve a deleted resource, or a resource by a value it no longer has.
 */
const SNOMED = 'http://snomed.info/sct';

describeEachEngine('search: errors, unknown parameters and deleted resources', (server) => {
  const base = () => server().fhirBase;
  const ids = (path: string) => searchIds(base(), path);

  before(async () => putAll(base(), [
    { resourceType: 'Patient', id: 'err-p', name: [{ family: 'Errington' }], gender: 'female' },
    { resourceType: 'Patient', id: 'gone-p', name: [{ family: 'Vanishing' }], gender: 'male' },
    { resourceType: 'Patient', id: 'keep-p', name: [{ family: 'Keeping' }], gender: 'male' },
    { resourceType: 'Condition', id: 'gone-c', subject: { reference: 'Patient/gone-p' }, code: { coding: [{ system: SNOMED, code: '73211009' }] } },
    { resourceType: 'Condition', id: 'keep-c', subject: { reference: 'Patient/gone-p' }, code: { coding: [{ system: SNOMED, code: '38341003' }] } },
    { resourceType: 'Condition', id: 'keep-gone-c', subject: { reference: 'Patient/keep-p' }, code: { coding: [{ system: SNOMED, code: '73211009' }] } },
  ]));

  test('unknown and unsupported parameters are ignored and reported in an outcome entry', async () => {
    const page = await search(base(), 'Patient?family=errington&foo=bar&_text=x&_filter=name eq x&_contained=true');
    assert.deepEqual(page.ids, ['err-p']);
    assert.equal(page.outcomes.length, 1);
    const issues = page.outcomes[0].issue;
    assert.deepEqual(issues.map((i: any) => i.expression[0]), ['foo', '_text', '_filter', '_contained']);
    for (const issue of issues) {
      assert.equal(issue.severity, 'warning');
      assert.equal(issue.code, 'not-supported');
    }
    const composite = await search(base(), 'Observation?code-value-quantity=http://loinc.org|8480-6$gt140');
    assert.deepEqual(composite.outcomes[0].issue.map((i: any) => i.expression[0]), ['code-value-quantity']);
    assert.equal(composite.bundle.entry.at(-1).search.mode, 'outcome');
    const lenient = await search(base(), 'Patient?family=errington&foo=bar', { prefer: 'handling=lenient' });
    assert.deepEqual(lenient.ids, ['err-p']);
  });

  test('under Prefer: handling=strict an unknown parameter is a 400 naming it', async () => {
    const outcome = await expectRefused(base(), 'Patient?family=errington&foo=bar', 'foo', 400, { prefer: 'handling=strict' });
    assert.equal(outcome.issue[0].code, 'not-supported');
    const known = await search(base(), 'Patient?family=errington', { prefer: 'handling=strict' });
    assert.deepEqual(known.ids, ['err-p']);
  });

  test('malformed values and result parameters are a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['Patient?birthdate=1970-13-01', 'birthdate'],
      ['Patient?birthdate=ab1970', 'birthdate'],
      ['Patient?_count=abc', '_count'],
      ['Patient?_count=-1', '_count'],
      ['Patient?_sort=favourite-colour', '_sort'],
      ['Patient?_summary=all', '_summary'],
      ['Patient?_total=some', '_total'],
      ['RiskAssessment?probability=likely', 'probability'],
      ['Patient?gender:exact=male', 'gender:exact'],
      ['Patient?gender:missing=perhaps', 'gender:missing'],
      ['Observation?subject:Medication=1', 'subject:Medication'],
      ['Observation?subject.name=x', 'subject.name'],
      ['Patient?_include=Patient:name', '_include'],
      ['Patient?_revinclude=Nope:patient', '_revinclude'],
      ['Observation?code=a|b|c', 'code'],
    ];
    for (const [path, parameter] of cases) await expectRefused(base(), path, parameter);
  });

  test('what needs a terminology server or deeper chains is refused as not supported', async () => {
    for (const [path, parameter] of [
      ['Condition?code:in=http://example.org/ValueSet/x', 'code:in'],
      ['Condition?code:below=http://snomed.info/sct|73211009', 'code:below'],
      ['Condition?patient.organization.name=x', 'patient.organization.name'],
      ['Condition?_include=*', '_include'],
    ] as const) {
      const outcome = await expectRefused(base(), path, parameter);
      assert.deepEqual([outcome.issue[0].code, outcome.issue[0].expression], ['not-supported', [parameter]], path);
    }
  });

  test('an unknown resource type is a 404', async () => {
    const response = await http('GET', `${base()}/Nope?name=x`);
    assert.equal(response.status, 404);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('a deleted resource never appears: not as a match, an include, a chain or _has target', async () => {
    assertSameIds(await ids('Patient?family=vanishing'), ['gone-p']);
    assert.equal((await http('DELETE', `${base()}/Patient/gone-p`)).status, 204);
    assertSameIds(await ids('Patient?family=vanishing'), []);
    assertSameIds(await ids('Patient?_id=gone-p'), []);
    assertSameIds(await ids('Patient?gender=male'), ['keep-p']);
    assert.equal((await search(base(), 'Patient?family=vanishing&_summary=count')).bundle.total, 0);
    const included = await search(base(), 'Condition?_id=keep-c&_include=Condition:subject');
    assert.deepEqual([included.ids, included.included], [['keep-c'], []]);
    assertSameIds(await ids('Condition?patient.family=vanishing'), []);

    assert.equal((await http('DELETE', `${base()}/Condition/keep-gone-c`)).status, 204);
    assertSameIds(await ids(`Condition?code=${SNOMED}|73211009`), ['gone-c']);
    assertSameIds(await ids(`Patient?_has:Condition:patient:code=${SNOMED}|73211009`), []);
    const rev = await search(base(), 'Patient?_id=keep-p&_revinclude=Condition:patient');
    assert.deepEqual([rev.ids, rev.included], [['keep-p'], []]);
    assertSameIds(await searchIds(base(), 'Patient/keep-p/Condition'), []);
  });

  test('a resource is found by its current values only, and again once re-created', async () => {
    await putAll(base(), [{ resourceType: 'Patient', id: 'moving-p', name: [{ family: 'Before' }], address: [{ city: 'Salem' }] }]);
    assertSameIds(await ids('Patient?family=before'), ['moving-p']);
    await putAll(base(), [{ resourceType: 'Patient', id: 'moving-p', name: [{ family: 'After' }] }]);
    assertSameIds(await ids('Patient?family=before'), []);
    assertSameIds(await ids('Patient?address-city=salem'), []);
    assertSameIds(await ids('Patient?family=after'), ['moving-p']);
    assert.equal((await http('DELETE', `${base()}/Patient/moving-p`)).status, 204);
    assertSameIds(await ids('Patient?family=after'), []);
    await putAll(base(), [{ resourceType: 'Patient', id: 'moving-p', name: [{ family: 'Again' }] }]);
    assertSameIds(await ids('Patient?family=again'), ['moving-p']);
  });
});
