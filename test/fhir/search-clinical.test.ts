import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { generatePatientRecord, generateSharedResources, type Resource } from '../../src/model/index.js';
import { assertSameIds, putAll, search, searchIds } from '../harness/fhir-search.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * The searches a registry or care-coordination app runs on a chart (R4 search §3.1.1), on twelve
 * synthetic patients. Expected results are computed from the generated resources themselves.
 */
const SEED = 7;
const X = `pat-${SEED}-1`;
const LOINC = 'http://loinc.org';

const records = Array.from({ length: 12 }, (_, i) => generatePatientRecord(i, SEED)) as any[][];
// Outside the generated two years and not active: what the clinical filters must leave out.
const extras: any[] = [
  {
    resourceType: 'Observation', id: 'obs-x-2019-hr', status: 'final', subject: { reference: `Patient/${X}` }, effectiveDateTime: '2019-11-02T10:00:00Z',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] }, valueQuantity: { value: 71, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  },
  {
    resourceType: 'MedicationRequest', id: 'medreq-x-stopped', status: 'stopped', intent: 'order', subject: { reference: `Patient/${X}` },
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361', display: 'amlodipine 5 MG Oral Tablet' }] },
  },
  {
    resourceType: 'Provenance', id: 'prov-x-cond-1', target: [{ reference: `Condition/cond-${SEED}-1-1` }], recorded: '2025-01-01T00:00:00Z',
    agent: [{ who: { reference: `Practitioner/prac-${SEED}-1` } }],
  },
];
const all: any[] = [...records.flat(), ...extras];
const of = (type: string) => all.filter((r) => r.resourceType === type);
const forX = (type: string) => of(type).filter((r) => (r.subject ?? r.patient)?.reference === `Patient/${X}`);
const codesOf = (concepts: any): string[] => [concepts ?? []].flat().flatMap((c: any) => (c.coding ?? []).map((k: any) => k.code));
const idsOf = (resources: any[]) => resources.map((r) => r.id);

describeEachEngine('search: clinical queries and result parameters', (server) => {
  const ids = (path: string) => searchIds(server().fhirBase, path);
  before(async () => putAll(server().fhirBase, [...generateSharedResources(SEED), ...all] as Resource[]));

  test('Condition?patient=X&category=problem-list-item: the problem list', async () => {
    const expected = forX('Condition').filter((c) => codesOf(c.category).includes('problem-list-item'));
    assert.ok(expected.length >= 2 && expected.length < forX('Condition').length, 'the patient has problems and visit diagnoses');
    assertSameIds(await ids(`Condition?patient=${X}&category=problem-list-item`), idsOf(expected));
    assertSameIds(await ids(`Condition?patient=Patient/${X}&category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item`), idsOf(expected));
  });

  test('Observation?patient=X&code=http://loinc.org|8867-4&date=ge2020: recent heart rates', async () => {
    const heartRates = forX('Observation').filter((o) => codesOf(o.code).includes('8867-4'));
    const expected = heartRates.filter((o) => o.effectiveDateTime >= '2020');
    assert.ok(expected.length >= 1 && expected.length < heartRates.length);
    assertSameIds(await ids(`Observation?patient=${X}&code=${LOINC}|8867-4&date=ge2020`), idsOf(expected));
  });

  test('MedicationRequest?patient=X&status=active: the current medications', async () => {
    const expected = forX('MedicationRequest').filter((m) => m.status === 'active');
    assert.ok(expected.length >= 1 && expected.length < forX('MedicationRequest').length);
    assertSameIds(await ids(`MedicationRequest?patient=${X}&status=active`), idsOf(expected));
  });

  test('MedicationStatement, AllergyIntolerance, Immunization and Encounter of a patient', async () => {
    assertSameIds(await ids(`MedicationStatement?patient=${X}&status=active`), idsOf(forX('MedicationStatement').filter((m) => m.status === 'active')));
    assertSameIds(await ids('AllergyIntolerance?patient=pat-7-7'), idsOf(of('AllergyIntolerance').filter((a) => a.patient.reference === 'Patient/pat-7-7')));
    const immunizations = forX('Immunization');
    assertSameIds(await ids(`Immunization?patient=${X}&date=ge2021`), idsOf(immunizations.filter((i) => i.occurrenceDateTime >= '2021')));
    assertSameIds(await ids(`Encounter?patient=${X}&status=finished`), idsOf(forX('Encounter')));
  });

  test('a comma ORs values; repeating a parameter ANDs it', async () => {
    const vitals = of('Observation').filter((o) => codesOf(o.category).includes('vital-signs'));
    const labs = of('Observation').filter((o) => codesOf(o.category).includes('laboratory'));
    assert.equal((await search(server().fhirBase, 'Observation?category=vital-signs,laboratory&_summary=count')).bundle.total, vitals.length + labs.length);
    assertSameIds(await ids('Observation?category=vital-signs&category=laboratory'), []);
    const hr = (o: any) => codesOf(o.code).includes('8867-4');
    const rr = (o: any) => codesOf(o.code).includes('9279-1');
    assertSameIds(await ids(`Observation?patient=${X}&code=8867-4,9279-1&_count=100`), idsOf(forX('Observation').filter((o) => hr(o) || rr(o))));
    assertSameIds(await ids(`Patient?_id=${X},pat-7-2,nobody`), [X, 'pat-7-2']);
    const others = await ids(`Patient?_id:not=${X}&_count=100`);
    assert.equal(others.length, records.length - 1);
    assert.ok(!others.includes(X));
  });

  test('_lastUpdated compares the version time at millisecond precision', async () => {
    const created = (await search(server().fhirBase, `Patient?_id=${X}`)).bundle.entry[0].resource;
    const at = created.meta.lastUpdated as string;
    assert.ok((await ids(`Patient?_id=${X}&_lastUpdated=${at}`)).includes(X));
    assert.ok((await ids(`Patient?_id=${X}&_lastUpdated=ge${at}`)).includes(X));
    assert.ok((await ids(`Patient?_id=${X}&_lastUpdated=le${at}`)).includes(X));
    assert.deepEqual(await ids(`Patient?_id=${X}&_lastUpdated=gt${at}`), []);
    assert.deepEqual(await ids(`Patient?_id=${X}&_lastUpdated=lt${at}`), []);
    assert.ok((await ids(`Patient?_id=${X}&_lastUpdated=${at.slice(0, 10)}`)).includes(X));
    assert.deepEqual(await ids(`Patient?_id=${X}&_lastUpdated=lt2020`), []);
  });

  test('_include, _include:iterate, _revinclude and _revinclude:iterate', async () => {
    const base = server().fhirBase;
    const requests = forX('MedicationRequest').filter((m) => m.status === 'active');
    const medications = [...new Set(requests.filter((m) => m.medicationReference).map((m) => m.medicationReference.reference))];
    const withMeds = await search(base, `MedicationRequest?patient=${X}&status=active&_include=MedicationRequest:medication`);
    assertSameIds(withMeds.ids, idsOf(requests));
    assertSameIds(withMeds.included, medications);

    const patient = records[1]![0];
    const iterate = await search(base, `MedicationRequest?patient=${X}&status=active&_include=MedicationRequest:patient&_include:iterate=Patient:general-practitioner&_include:iterate=Patient:organization`);
    assertSameIds(iterate.included, [`Patient/${X}`, patient.generalPractitioner[0].reference, patient.managingOrganization.reference]);
    // Without :iterate, an include does not follow from included resources.
    const once = await search(base, `MedicationRequest?patient=${X}&status=active&_include=MedicationRequest:patient&_include=Patient:general-practitioner`);
    assertSameIds(once.included, [`Patient/${X}`]);

    const conditions = forX('Condition').map((c) => `Condition/${c.id}`);
    const rev = await search(base, `Patient?_id=${X}&_revinclude=Condition:patient`);
    assertSameIds(rev.included, conditions);
    const revIterate = await search(base, `Patient?_id=${X}&_revinclude=Condition:patient&_revinclude:iterate=Provenance:target`);
    assertSameIds(revIterate.included, [...conditions, 'Provenance/prov-x-cond-1']);
    for (const entry of revIterate.bundle.entry) assert.equal(entry.search.mode, entry.resource.resourceType === 'Patient' ? 'match' : 'include');
  });

  test('_summary=count gives the total alone; _summary=true and _elements trim and mark SUBSETTED', async () => {
    const base = server().fhirBase;
    const count = await search(base, 'Condition?category=problem-list-item&_summary=count');
    assert.equal(count.bundle.total, of('Condition').filter((c) => codesOf(c.category).includes('problem-list-item')).length);
    assert.equal(count.bundle.entry, undefined);
    assert.equal((await search(base, 'Condition?category=problem-list-item&_count=0')).bundle.total, count.bundle.total);

    const summary = (await search(base, `Patient?_id=${X}&_summary=true`)).bundle.entry[0].resource;
    assert.ok(summary.name && summary.birthDate && summary.identifier);
    assert.equal(summary.maritalStatus, undefined);
    assert.equal(summary.communication, undefined);
    assert.ok(summary.meta.tag.some((t: any) => t.code === 'SUBSETTED'));

    const elements = (await search(base, `Patient?_id=${X}&_elements=name,gender`)).bundle.entry[0].resource;
    assert.deepEqual(Object.keys(elements).sort(), ['gender', 'id', 'meta', 'name', 'resourceType']);
    assert.ok(elements.meta.tag.some((t: any) => t.code === 'SUBSETTED'));
  });

  test('the total: reported when free, always under _total=accurate, never under _total=none', async () => {
    const base = server().fhirBase;
    const observations = of('Observation').length;
    assert.equal((await search(base, `Condition?patient=${X}`)).bundle.total, forX('Condition').length);
    assert.equal((await search(base, 'Observation?_count=10')).bundle.total, undefined);
    const accurate = await search(base, 'Observation?_count=10&_total=accurate');
    assert.equal(accurate.bundle.total, observations);
    assert.equal(accurate.ids.length, 10);
    assert.equal((await search(base, `Condition?patient=${X}&_total=none`)).bundle.total, undefined);
  });
});
