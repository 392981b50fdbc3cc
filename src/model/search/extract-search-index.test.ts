import assert from 'node:assert/strict';
import { test } from 'node:test';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Resource } from '../fhir-types.js';
import { compileFastPath } from './compile-fast-path.js';
import { compileFhirpath } from './compile-fhirpath.js';
import { extractSearchIndex } from './extract-search-index.js';
import { OPEN_HIGH_DATE, OPEN_LOW_DATE } from './fhir-date-range.js';
import { indexedParams } from './indexed-params.js';
import { OPEN_HIGH_NUMBER, OPEN_LOW_NUMBER } from './number-range.js';
import type { SearchIndex } from './search-types.js';

const ms = (iso: string) => Date.parse(iso);
const UCUM = 'http://unitsofmeasure.org';

/** Rows of one parameter without the `param` column, for compact assertions. */
function rows<K extends keyof SearchIndex>(index: SearchIndex, kind: K, param: string): Omit<SearchIndex[K][number], 'param'>[] {
  return (index[kind] as SearchIndex[K][number][]).filter((r) => r.param === param).map(({ param: _param, ...rest }) => rest);
}

const patient: Resource = {
  resourceType: 'Patient', id: 'p1', meta: { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z', profile: ['http://example.org/StructureDefinition/p'] },
  identifier: [{ type: { text: 'Medical Record' }, system: 'urn:oid:1.2.36', value: '12345' }],
  active: true,
  name: [{ use: 'official', family: 'Müller', given: ['Peter', 'James'], prefix: ['Dr'], text: 'Dr Peter Müller' }, { given: ['Jim', null] }],
  telecom: [{ system: 'phone', value: '555-1234' }, { system: 'email', value: 'peter@example.org' }],
  gender: 'male', birthDate: '1974-12-25', deceasedBoolean: false,
  address: [{ line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999', country: 'AU' }],
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-AU' }] } }],
  generalPractitioner: [{ reference: 'https://other.example/fhir/Practitioner/gp1/_history/3' }, { reference: '#contained' }],
  managingOrganization: { identifier: { system: 'urn:org', value: 'ORG-1' }, display: 'Acme' },
};

const condition: Resource = {
  resourceType: 'Condition', id: 'c1',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '39065001', display: 'Burn of éar' }, { system: 'http://snomed.info/sct', code: '39065001', display: 'Burn of éar' }], text: 'Burnt Ear' },
  subject: { reference: 'Patient/p1' },
  onsetPeriod: { start: '2012-05-24' },
  abatementAge: { value: 12, unit: 'years', system: UCUM, code: 'a' },
};

const observation: Resource = {
  resourceType: 'Observation', id: 'o1', status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' }] },
  subject: { reference: 'Group/g1' },
  effectivePeriod: { start: '2016-03-28T09:30:00+01:00', end: '2016-03-28' },
  valueQuantity: { value: 185, unit: 'lbs', system: UCUM, code: '[lb_av]' },
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 107, comparator: '<', unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueCodeableConcept: { text: 'High' } },
  ],
};

test('string parameters: HumanName and Address parts, normalized without case or accents', () => {
  const index = extractSearchIndex(patient);
  assert.deepEqual(rows(index, 'strings', 'family'), [{ value: 'Müller', normalized: 'muller' }]);
  assert.deepEqual(rows(index, 'strings', 'given').map((r) => r.value), ['Peter', 'James', 'Jim']);
  assert.deepEqual(rows(index, 'strings', 'name').map((r) => r.normalized), ['dr peter muller', 'muller', 'peter', 'james', 'dr', 'jim']);
  assert.deepEqual(rows(index, 'strings', 'address').map((r) => r.value), ['534 Erewhon St', 'PleasantVille', '3999', 'AU']);
  assert.deepEqual(rows(index, 'strings', 'address-city'), [{ value: 'PleasantVille', normalized: 'pleasantville' }]);
});

test('token parameters: identifiers, codes, booleans, contact points', () => {
  const index = extractSearchIndex(patient);
  assert.deepEqual(rows(index, 'tokens', 'identifier'), [{ system: 'urn:oid:1.2.36', code: '12345', text: 'medical record' }]);
  assert.deepEqual(rows(index, 'tokens', 'gender'), [{ system: null, code: 'male', text: null }]);
  assert.deepEqual(rows(index, 'tokens', 'active'), [{ system: null, code: 'true', text: null }]);
  // Patient.deceased.exists() and Patient.deceased != false — evaluated by fhirpath.js.
  assert.deepEqual(rows(index, 'tokens', 'deceased'), [{ system: null, code: 'false', text: null }]);
  assert.deepEqual(rows(index, 'tokens', 'phone'), [{ system: null, code: '555-1234', text: null }]);
  assert.deepEqual(rows(index, 'tokens', 'email'), [{ system: null, code: 'peter@example.org', text: null }]);
  assert.deepEqual(rows(index, 'tokens', 'telecom').map((r) => r.code), ['555-1234', 'peter@example.org']);
  assert.deepEqual(rows(index, 'tokens', 'language'), [{ system: 'urn:ietf:bcp:47', code: 'en-AU', text: null }]);
  assert.deepEqual(rows(index, 'tokens', '_id'), [{ system: null, code: 'p1', text: null }]);
  assert.deepEqual(rows(extractSearchIndex({ ...patient, deceasedDateTime: '2020-01-01', deceasedBoolean: undefined }), 'tokens', 'deceased'), [{ system: null, code: 'true', text: null }]);
});

test('CodeableConcept: one row per coding with its display, one for the text; duplicates stored once', () => {
  assert.deepEqual(rows(extractSearchIndex(condition), 'tokens', 'code'), [
    { system: 'http://snomed.info/sct', code: '39065001', text: 'burn of ear' },
    { system: null, code: null, text: 'burnt ear' },
  ]);
});

test('reference parameters: relative and absolute literals, contained skipped, identifiers as tokens', () => {
  const index = extractSearchIndex(patient);
  assert.deepEqual(rows(index, 'references', 'general-practitioner'), [{ targetType: 'Practitioner', targetId: 'gp1', url: 'https://other.example/fhir/Practitioner/gp1/_history/3' }]);
  assert.deepEqual(rows(index, 'references', 'organization'), []);
  assert.deepEqual(rows(index, 'tokens', 'organization'), [{ system: 'urn:org', code: 'ORG-1', text: null }]);
  const opaque = extractSearchIndex({ resourceType: 'Observation', subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' } });
  assert.deepEqual(rows(opaque, 'references', 'subject'), [{ targetType: null, targetId: null, url: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' }]);
});

test('with the server base known, an absolute reference elsewhere keeps only its url; one under the base is local', () => {
  const foreign = extractSearchIndex(patient, { localBase: 'https://ehr.example/fhir' });
  assert.deepEqual(rows(foreign, 'references', 'general-practitioner'), [{ targetType: null, targetId: null, url: 'https://other.example/fhir/Practitioner/gp1/_history/3' }]);
  const local = extractSearchIndex(patient, { localBase: 'https://other.example/fhir' });
  assert.deepEqual(rows(local, 'references', 'general-practitioner'), [{ targetType: 'Practitioner', targetId: 'gp1', url: 'https://other.example/fhir/Practitioner/gp1/_history/3' }]);
  const relative = extractSearchIndex({ resourceType: 'Observation', subject: { reference: 'Patient/p1' } }, { localBase: 'https://ehr.example/fhir' });
  assert.deepEqual(rows(relative, 'references', 'subject'), [{ targetType: 'Patient', targetId: 'p1', url: 'Patient/p1' }]);
});

test('where(resolve() is Patient) keeps only references to Patients', () => {
  assert.deepEqual(rows(extractSearchIndex(condition), 'references', 'patient'), [{ targetType: 'Patient', targetId: 'p1', url: 'Patient/p1' }]);
  const obs = extractSearchIndex(observation);
  assert.deepEqual(rows(obs, 'references', 'subject'), [{ targetType: 'Group', targetId: 'g1', url: 'Group/g1' }]);
  assert.deepEqual(rows(obs, 'references', 'patient'), []);
  const absolute = extractSearchIndex({ ...observation, subject: { reference: 'http://h/fhir/Patient/p9' } });
  assert.deepEqual(rows(absolute, 'references', 'patient'), [{ targetType: 'Patient', targetId: 'p9', url: 'http://h/fhir/Patient/p9' }]);
});

test('canonical references keep only the url; uri parameters take uri, url and canonical', () => {
  const qr = extractSearchIndex({ resourceType: 'QuestionnaireResponse', questionnaire: 'http://example.org/Questionnaire/q1|2.0' });
  assert.deepEqual(rows(qr, 'references', 'questionnaire'), [{ targetType: null, targetId: null, url: 'http://example.org/Questionnaire/q1|2.0' }]);
  assert.deepEqual(rows(extractSearchIndex(patient), 'uris', '_profile'), [{ value: 'http://example.org/StructureDefinition/p' }]);
  assert.deepEqual(rows(extractSearchIndex({ resourceType: 'ValueSet', url: 'http://example.org/vs' }), 'uris', 'url'), [{ value: 'http://example.org/vs' }]);
});

test('a whole resource as a reference target (Bundle.entry[0].resource)', () => {
  const bundle = extractSearchIndex({ resourceType: 'Bundle', type: 'document', entry: [{ resource: { resourceType: 'Composition', id: 'comp1' } }, { resource: { resourceType: 'Patient', id: 'x' } }] });
  assert.deepEqual(rows(bundle, 'references', 'composition'), [{ targetType: 'Composition', targetId: 'comp1', url: 'Composition/comp1' }]);
});

test('date parameters: precision intervals, Periods with open ends, choice types', () => {
  const p = extractSearchIndex(patient);
  assert.deepEqual(rows(p, 'dates', 'birthdate'), [{ low: ms('1974-12-25T00:00:00Z'), high: ms('1974-12-26T00:00:00Z') }]);
  assert.deepEqual(rows(p, 'dates', '_lastUpdated'), [{ low: ms('2024-05-01T10:00:00Z'), high: ms('2024-05-01T10:00:00.001Z') }]);
  assert.deepEqual(rows(extractSearchIndex(condition), 'dates', 'onset-date'), [{ low: ms('2012-05-24T00:00:00Z'), high: OPEN_HIGH_DATE }]);
  assert.deepEqual(rows(extractSearchIndex(observation), 'dates', 'date'), [{ low: ms('2016-03-28T08:30:00Z'), high: ms('2016-03-29T00:00:00Z') }]);
  const ended = extractSearchIndex({ resourceType: 'Encounter', period: { end: '2020-01' } });
  assert.deepEqual(rows(ended, 'dates', 'date'), [{ low: OPEN_LOW_DATE, high: ms('2020-02-01T00:00:00Z') }]);
  const timing = extractSearchIndex({ resourceType: 'ServiceRequest', occurrenceTiming: { event: ['2020-01-01', 'not a date', '2020-01-02'] } });
  assert.deepEqual(rows(timing, 'dates', 'occurrence').map((r) => r.low), [ms('2020-01-01T00:00:00Z'), ms('2020-01-02T00:00:00Z')]);
  assert.deepEqual(rows(extractSearchIndex({ resourceType: 'Patient', birthDate: '1974-13-01' }), 'dates', 'birthdate'), []);
});

test('quantity parameters: exact values, units as codes, comparators, Range and Money', () => {
  const obs = extractSearchIndex(observation);
  assert.deepEqual(rows(obs, 'quantities', 'value-quantity'), [
    { system: UCUM, code: '[lb_av]', low: 185, high: 185 },
    { system: null, code: 'lbs', low: 185, high: 185 },
  ]);
  assert.deepEqual(rows(obs, 'quantities', 'component-value-quantity'), [
    { system: UCUM, code: 'mm[Hg]', low: OPEN_LOW_NUMBER, high: 107 },
    { system: null, code: 'mmHg', low: OPEN_LOW_NUMBER, high: 107 },
  ]);
  assert.deepEqual(rows(obs, 'tokens', 'component-value-concept'), [{ system: null, code: null, text: 'high' }]);
  assert.deepEqual(rows(extractSearchIndex(condition), 'quantities', 'abatement-age'), [
    { system: UCUM, code: 'a', low: 12, high: 12 },
    { system: null, code: 'years', low: 12, high: 12 },
  ]);
  const range = extractSearchIndex({ resourceType: 'Condition', onsetRange: { low: { value: 10, unit: 'a', system: UCUM, code: 'a' } } });
  assert.deepEqual(rows(range, 'quantities', 'onset-age'), [{ system: UCUM, code: 'a', low: 10, high: OPEN_HIGH_NUMBER }]);
  const invoice = extractSearchIndex({ resourceType: 'Invoice', totalNet: { value: 40.5, currency: 'EUR' } });
  assert.deepEqual(rows(invoice, 'quantities', 'totalnet'), [{ system: 'urn:iso:std:iso:4217', code: 'EUR', low: 40.5, high: 40.5 }]);
  const unitOnly = extractSearchIndex({ resourceType: 'Observation', valueQuantity: { value: 5, unit: 'mg' } });
  assert.deepEqual(rows(unitOnly, 'quantities', 'value-quantity'), [{ system: null, code: 'mg', low: 5, high: 5 }]);
});

test('number parameters: decimals and Ranges', () => {
  const ra = extractSearchIndex({ resourceType: 'RiskAssessment', prediction: [{ probabilityDecimal: 0.8 }, { probabilityRange: { low: { value: 0.1 }, high: { value: 0.2 } } }] });
  assert.deepEqual(rows(ra, 'numbers', 'probability'), [{ low: 0.8, high: 0.8 }, { low: 0.1, high: 0.2 }]);
});

test('an unknown resource type has no rows, and the resource is left untouched', () => {
  const empty = extractSearchIndex({ resourceType: 'NotAType', id: 'x' });
  assert.ok(Object.values(empty).every((list) => list.length === 0));
  const before = JSON.stringify(patient);
  extractSearchIndex(patient);
  assert.equal(JSON.stringify(patient), before);
});

test('the fast path finds the same elements as fhirpath.js', () => {
  for (const resource of [patient, condition, observation]) {
    for (const param of indexedParams(resource.resourceType)) {
      const fast = compileFastPath(param.expression!, resource.resourceType);
      // fhirpath.js refuses `(Observation.component.value as CodeableConcept)` when several
      // components have values (FHIRPath `as` takes one item); the fast path filters each item,
      // which is what the R4 parameter means.
      if (!fast || throwsInFhirpath(resource, param.expression!)) continue;
      const viaFhirpath = compileFhirpath(param.expression!)(resource);
      assert.deepEqual(fast(resource), viaFhirpath, `${resource.resourceType}.${param.code}: ${param.expression}`);
    }
  }
});

function throwsInFhirpath(resource: Resource, expression: string): boolean {
  try {
    fhirpath.evaluate(resource, expression, undefined, r4);
    return false;
  } catch {
    return true;
  }
}

test('extraction speed', (t) => {
  const perResource: string[] = [];
  for (const resource of [patient, condition, observation]) {
    for (let i = 0; i < 1000; i++) extractSearchIndex(resource);
    const n = 3000;
    const start = performance.now();
    for (let i = 0; i < n; i++) extractSearchIndex(resource);
    const micros = ((performance.now() - start) * 1000) / n;
    perResource.push(`${resource.resourceType} ${micros.toFixed(1)} µs`);
    // The target is < 200 µs; the bound here is loose so a slow CI machine does not fail the build.
    assert.ok(micros < 2000, `${resource.resourceType}: ${micros} µs`);
  }
  t.diagnostic(`extractSearchIndex per resource: ${perResource.join(', ')}`);
});

test('`only` extracts just the named parameters, the same rows as a full extraction has for them', () => {
  const condition = { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p1' }, asserter: { reference: 'Practitioner/d1' },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] } } as Resource;
  const full = extractSearchIndex(condition);
  const only = extractSearchIndex(condition, { only: ['subject', 'patient'] });
  assert.deepEqual(only.references, full.references.filter((r) => r.param === 'subject' || r.param === 'patient'));
  assert.ok(only.references.length >= 2, 'subject and patient both point at the patient');
  assert.deepEqual([only.tokens, only.strings, only.dates], [[], [], []]);
});
