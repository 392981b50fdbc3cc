import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperationOutcomeError } from '../outcome/index.js';
import { parseSearchRequest } from './parse-search-request.js';
import type { SearchClause, SearchRequest } from './search-types.js';

const parse = (type: string, query: string, options?: { defaultCount?: number; maxCount?: number }): SearchRequest =>
  parseSearchRequest(type, [...new URLSearchParams(query)], options);

/** The clause without its (large) parameter definition: code, modifier, values, and the rest. */
function brief(clause: SearchClause | undefined): unknown {
  assert.ok(clause, 'expected a clause');
  const { param, chain, has, ...rest } = clause;
  const out: Record<string, unknown> = { code: param.code, ...rest };
  if (out.modifier === undefined) delete out.modifier;
  if (chain) out.chain = { targetType: chain.targetType, clause: brief(chain.clause) };
  if (has) out.has = { sourceType: has.sourceType, referenceParam: has.referenceParam.code, clause: brief(has.clause) };
  return out;
}

/** Asserts a 4xx OperationOutcome whose diagnostics mention every `mentions` string. */
function rejects(type: string, query: string, code: 'invalid' | 'not-supported', ...mentions: string[]): void {
  assert.throws(() => parse(type, query), (error: unknown) => {
    assert.ok(error instanceof OperationOutcomeError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.issues[0]?.code, code, error.message);
    for (const m of mentions) assert.ok(error.message.includes(m), `"${error.message}" should mention "${m}"`);
    return true;
  }, query);
}

test('defaults: no clauses, 20 per page, exact total', () => {
  const request = parse('Patient', '');
  assert.deepEqual({ ...request }, {
    resourceType: 'Patient', clauses: [], sort: [], count: 20, cursor: undefined, total: undefined, summary: undefined,
    elements: undefined, include: [], revinclude: [], unknown: [],
  });
});

test('repetition ANDs (separate clauses), commas OR (values of one clause), \\, escapes a comma', () => {
  const request = parse('Patient', 'given=peter,jim&given=chalmers&family=O\\,Brien');
  assert.deepEqual(request.clauses.map(brief), [
    { code: 'given', values: [{ kind: 'string', value: 'peter' }, { kind: 'string', value: 'jim' }] },
    { code: 'given', values: [{ kind: 'string', value: 'chalmers' }] },
    { code: 'family', values: [{ kind: 'string', value: 'O,Brien' }] },
  ]);
});

test('unknown, unindexed and special parameters are reported, not refused; empty values are ignored', () => {
  const request = parse('Observation', 'foo=1&_text=x&_content=y&_query=q&_filter=a eq b&_contained=true&code-value-quantity=a$1&foo=2&name=&_format=json&_pretty=true');
  assert.deepEqual(request.unknown, ['foo', '_text', '_content', '_query', '_filter', '_contained', 'code-value-quantity', 'name']);
  assert.deepEqual(parse('Patient', 'name=&given=,').clauses, []);
  assert.deepEqual(parse('Patient', 'name=&given=,').unknown, []);
});

test('string modifiers :exact and :contains; others are refused', () => {
  assert.deepEqual(brief(parse('Patient', 'name:exact=Müller').clauses[0]), { code: 'name', modifier: 'exact', values: [{ kind: 'string', value: 'Müller' }] });
  assert.deepEqual(brief(parse('Patient', 'name:contains=ll').clauses[0]), { code: 'name', modifier: 'contains', values: [{ kind: 'string', value: 'll' }] });
  rejects('Patient', 'name:text=x', 'invalid', 'name:text', ':text');
  rejects('Patient', 'name:bogus=x', 'invalid', ':bogus');
  rejects('Patient', 'name:exact:contains=x', 'invalid', 'name');
});

test('token forms: code, system|code, |code, system|; modifiers :not, :text; terminology modifiers refused', () => {
  const values = parse('Observation', 'code=1234,http://loinc.org|29463-7,|x,http://loinc.org|,a\\|b').clauses[0]!.values;
  assert.deepEqual(values, [
    { kind: 'token', system: undefined, code: '1234' },
    { kind: 'token', system: 'http://loinc.org', code: '29463-7' },
    { kind: 'token', system: '', code: 'x' },
    { kind: 'token', system: 'http://loinc.org', code: undefined },
    { kind: 'token', system: undefined, code: 'a|b' },
  ]);
  assert.deepEqual(brief(parse('Patient', 'gender:not=male').clauses[0]), { code: 'gender', modifier: 'not', values: [{ kind: 'token', system: undefined, code: 'male' }] });
  assert.deepEqual(brief(parse('Condition', 'code:text=Burn ear').clauses[0]), { code: 'code', modifier: 'text', values: [{ kind: 'token', system: undefined, code: 'Burn ear' }] });
  rejects('Observation', 'code=a|b|c', 'invalid', 'code', 'a|b|c');
  rejects('Observation', 'code=|', 'invalid', 'code');
  rejects('Observation', 'code:in=http://vs', 'not-supported', ':in');
  rejects('Observation', 'code:below=http://snomed.info/sct|123', 'not-supported', ':below');
  rejects('Patient', 'identifier:of-type=a|b|c', 'not-supported', ':of-type');
});

test('date values: every precision, prefixes, malformed values refused', () => {
  const [c] = parse('Patient', 'birthdate=ge1970,lt1971-06,1970-01-01T10:00:00%2B01:00').clauses;
  assert.deepEqual(c!.values, [
    { kind: 'date', prefix: 'ge', low: Date.parse('1970-01-01T00:00:00Z'), high: Date.parse('1971-01-01T00:00:00Z') },
    { kind: 'date', prefix: 'lt', low: Date.parse('1971-06-01T00:00:00Z'), high: Date.parse('1971-07-01T00:00:00Z') },
    { kind: 'date', prefix: 'eq', low: Date.parse('1970-01-01T09:00:00Z'), high: Date.parse('1970-01-01T09:00:01Z') },
  ]);
  // A `+` the client forgot to encode arrives as a space.
  assert.deepEqual(parse('Patient', 'birthdate=1970-01-01T10:00:00+01:00').clauses[0]!.values, [c!.values[2]]);
  for (const prefix of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) {
    assert.equal((parse('Patient', `birthdate=${prefix}2000`).clauses[0]!.values[0] as { prefix: string }).prefix, prefix);
  }
  rejects('Patient', 'birthdate=xx1970', 'invalid', 'birthdate', 'xx1970');
  rejects('Patient', 'birthdate=1970-13-01', 'invalid', 'birthdate', '1970-13-01');
  rejects('Patient', 'birthdate=yesterday', 'invalid', 'birthdate');
  rejects('Patient', 'birthdate:exact=1970', 'invalid', ':exact');
  assert.deepEqual(brief(parse('Patient', '_lastUpdated=gt2024-01-01T00:00:00Z').clauses[0]), {
    code: '_lastUpdated', values: [{ kind: 'date', prefix: 'gt', low: Date.parse('2024-01-01T00:00:00Z'), high: Date.parse('2024-01-01T00:00:01Z') }],
  });
});

test('number values carry their implicit precision range', () => {
  assert.deepEqual(parse('RiskAssessment', 'probability=gt0.8').clauses[0]!.values, [{ kind: 'number', prefix: 'gt', value: 0.8, low: 0.75, high: 0.8500000000000001 }]);
  assert.deepEqual(parse('RiskAssessment', 'probability=100').clauses[0]!.values, [{ kind: 'number', prefix: 'eq', value: 100, low: 99.5, high: 100.5 }]);
  rejects('RiskAssessment', 'probability=high', 'invalid', 'probability', 'high');
  rejects('RiskAssessment', 'probability=gt', 'invalid', 'probability');
});

test('quantity values: number, number|system|code, number||code', () => {
  const values = parse('Observation', 'value-quantity=le5.4|http://unitsofmeasure.org|mg,5.4||mg,ap5').clauses[0]!.values;
  assert.deepEqual(values.map((v) => v.kind === 'quantity' && [v.prefix, v.value, v.system, v.code]), [
    ['le', 5.4, 'http://unitsofmeasure.org', 'mg'], ['eq', 5.4, undefined, 'mg'], ['ap', 5, undefined, undefined],
  ]);
  rejects('Observation', 'value-quantity=5.4|mg', 'invalid', 'value-quantity', '5.4|mg');
  rejects('Observation', 'value-quantity=abc||mg', 'invalid', 'value-quantity');
});

test('reference values: Type/id, id, :Type, absolute and canonical URLs, :identifier', () => {
  const values = parse('Observation', 'subject=Patient/123,123,http://h/fhir/Patient/9/_history/2,urn:uuid:abc').clauses[0]!.values;
  assert.deepEqual(values, [
    { kind: 'reference', targetType: 'Patient', targetId: '123', url: 'Patient/123' },
    { kind: 'reference', targetType: undefined, targetId: '123', url: '123' },
    { kind: 'reference', targetType: 'Patient', targetId: '9', url: 'http://h/fhir/Patient/9/_history/2' },
    { kind: 'reference', targetType: undefined, targetId: '', url: 'urn:uuid:abc' },
  ]);
  assert.deepEqual(brief(parse('Observation', 'subject:Patient=123').clauses[0]), {
    code: 'subject', modifier: 'type', targetType: 'Patient', values: [{ kind: 'reference', targetType: 'Patient', targetId: '123', url: '123' }],
  });
  assert.deepEqual(parse('QuestionnaireResponse', 'questionnaire=http://example.org/Questionnaire/q1').clauses[0]!.values, [
    { kind: 'reference', targetType: 'Questionnaire', targetId: 'q1', url: 'http://example.org/Questionnaire/q1' },
  ]);
  assert.deepEqual(brief(parse('Observation', 'subject:identifier=urn:mrn|123').clauses[0]), {
    code: 'subject', modifier: 'identifier', values: [{ kind: 'token', system: 'urn:mrn', code: '123' }],
  });
  rejects('Observation', 'subject:Medication=1', 'invalid', 'subject', 'Medication');
  rejects('Observation', 'subject:Patient=Group/1', 'invalid', 'subject');
  rejects('Observation', 'subject=not a reference', 'invalid', 'subject');
  rejects('Observation', 'subject:below=Patient/1', 'not-supported', ':below');
});

test(':missing takes true or false on every type', () => {
  for (const name of ['gender', 'birthdate', 'name', 'organization', '_profile']) {
    assert.deepEqual(parse('Patient', `${name}:missing=true`).clauses[0]!.values, [{ kind: 'missing', missing: true }]);
  }
  assert.deepEqual(parse('Observation', 'value-quantity:missing=false').clauses[0]!.values, [{ kind: 'missing', missing: false }]);
  rejects('Patient', 'gender:missing=maybe', 'invalid', 'gender:missing', 'maybe');
});

test('uri values with :above and :below', () => {
  assert.deepEqual(brief(parse('ValueSet', 'url:below=http://example.org/fhir/').clauses[0]), {
    code: 'url', modifier: 'below', values: [{ kind: 'uri', value: 'http://example.org/fhir/' }],
  });
  rejects('ValueSet', 'url:contains=x', 'invalid', ':contains');
});

test('_id is a token clause that takes only :not', () => {
  assert.deepEqual(brief(parse('Patient', '_id=a,b').clauses[0]), { code: '_id', values: [{ kind: 'token', system: undefined, code: 'a' }, { kind: 'token', system: undefined, code: 'b' }] });
  assert.equal(parse('Patient', '_id:not=a').clauses[0]!.modifier, 'not');
  rejects('Patient', '_id:missing=true', 'invalid', '_id');
});

test('_count: default, explicit, capped at the maximum, malformed refused', () => {
  assert.equal(parse('Patient', '_count=5').count, 5);
  assert.equal(parse('Patient', '_count=0').count, 0);
  assert.equal(parse('Patient', '_count=5000').count, 1000);
  assert.equal(parse('Patient', '', { defaultCount: 2, maxCount: 2 }).count, 2);
  assert.equal(parse('Patient', '_count=50', { maxCount: 10 }).count, 10);
  for (const bad of ['-1', 'ten', '1.5', '']) rejects('Patient', `_count=${bad}`, 'invalid', '_count');
});

test('_sort keys with - for descending; unknown keys refused', () => {
  const sort = parse('Observation', '_sort=-date,code&_sort=_lastUpdated').sort;
  assert.deepEqual(sort.map((k) => [k.param.code, k.descending]), [['date', true], ['code', false], ['_lastUpdated', false]]);
  rejects('Observation', '_sort=nope', 'invalid', 'nope');
  rejects('Observation', '_sort=code-value-quantity', 'invalid', 'code-value-quantity');
  rejects('Observation', '_sort:desc=date', 'invalid', '_sort');
});

test('_summary, _total, _elements, _cursor', () => {
  const request = parse('Patient', '_summary=count&_total=estimate&_elements=name, birthDate&_elements=name,gender&_cursor=abc');
  assert.equal(request.summary, 'count');
  assert.equal(request.total, 'estimate');
  assert.deepEqual(request.elements, ['name', 'birthDate', 'gender']);
  assert.equal(request.cursor, 'abc');
  for (const value of ['true', 'data', 'text', 'false']) assert.equal(parse('Patient', `_summary=${value}`).summary, value);
  assert.equal(parse('Patient', '_total=none').total, 'none');
  rejects('Patient', '_summary=all', 'invalid', '_summary', 'all');
  rejects('Patient', '_total=some', 'invalid', '_total', 'some');
});

test('_include and _revinclude, with :iterate and a target type', () => {
  const request = parse('MedicationRequest', '_include=MedicationRequest:patient&_include:iterate=Patient:general-practitioner:Practitioner&_revinclude=Provenance:target');
  assert.deepEqual(request.include.map((i) => [i.sourceType, i.param.code, i.targetType, i.iterate]), [
    ['MedicationRequest', 'patient', undefined, false], ['Patient', 'general-practitioner', 'Practitioner', true],
  ]);
  assert.deepEqual(request.revinclude.map((i) => [i.sourceType, i.param.code, i.targetType, i.iterate]), [['Provenance', 'target', undefined, false]]);
  rejects('MedicationRequest', '_include=*', 'not-supported', '*');
  rejects('MedicationRequest', '_include=MedicationRequest:*', 'not-supported', '*');
  rejects('MedicationRequest', '_include=MedicationRequest:code', 'invalid', '_include', 'code');
  rejects('MedicationRequest', '_include=MedicationRequest', 'invalid', '_include');
  rejects('MedicationRequest', '_include=Nope:patient', 'invalid', 'Nope');
  rejects('MedicationRequest', '_include=MedicationRequest:patient:Group', 'invalid', 'Group');
  rejects('MedicationRequest', '_include:deep=MedicationRequest:patient', 'invalid', '_include:deep');
});

test('chaining one level: with the type given, or implied by a single target', () => {
  assert.deepEqual(brief(parse('Observation', 'subject:Patient.name=peter').clauses[0]), {
    code: 'subject', targetType: 'Patient', values: [],
    chain: { targetType: 'Patient', clause: { code: 'name', values: [{ kind: 'string', value: 'peter' }] } },
  });
  assert.deepEqual(brief(parse('Observation', 'patient.birthdate=ge1970').clauses[0]), {
    code: 'patient', targetType: 'Patient', values: [],
    chain: { targetType: 'Patient', clause: { code: 'birthdate', values: [{ kind: 'date', prefix: 'ge', low: Date.parse('1970-01-01T00:00:00Z'), high: Date.parse('1971-01-01T00:00:00Z') }] } },
  });
  assert.equal(parse('Observation', 'patient.name:exact=Peter').clauses[0]!.chain!.clause.modifier, 'exact');
  assert.deepEqual(parse('Observation', 'patient.nope=1').unknown, ['patient.nope']);
  assert.deepEqual(parse('Observation', 'nope.name=1').unknown, ['nope.name']);
  rejects('Observation', 'subject.name=peter', 'invalid', 'subject.name', 'ambiguous');
  rejects('Observation', 'code.name=peter', 'invalid', 'code');
  rejects('Observation', 'subject:Medication.code=1', 'invalid', 'Medication');
  rejects('Observation', 'patient.organization.name=acme', 'not-supported', 'one level');
  rejects('Observation', 'patient.birthdate=bad', 'invalid', 'patient.birthdate', 'bad');
});

test('_has one level: resources that matching resources point to', () => {
  assert.deepEqual(brief(parse('Patient', '_has:Observation:patient:code=1234').clauses[0]), {
    code: '_has', values: [],
    has: { sourceType: 'Observation', referenceParam: 'patient', clause: { code: 'code', values: [{ kind: 'token', system: undefined, code: '1234' }] } },
  });
  assert.equal(parse('Patient', '_has:Observation:patient:code:not=1234').clauses[0]!.has!.clause.modifier, 'not');
  assert.deepEqual(parse('Patient', '_has:Observation:patient:nope=1').unknown, ['_has:Observation:patient:nope']);
  rejects('Patient', '_has:Nope:patient:code=1', 'invalid', 'Nope');
  rejects('Patient', '_has:Observation:code:code=1', 'invalid', 'code');
  rejects('Patient', '_has:Observation:patient=1', 'invalid', '_has');
  rejects('Organization', '_has:Observation:patient:code=1', 'invalid', 'Organization');
  rejects('Patient', '_has:Observation:patient:_has:Provenance:target:agent=1', 'not-supported', 'one level');
});

test('the diagnostics name the parameter in the OperationOutcome expression', () => {
  try {
    parse('Patient', 'birthdate=soon');
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof OperationOutcomeError);
    assert.deepEqual(error.outcome.issue[0]?.expression, ['birthdate']);
  }
  for (const [query, name] of [['code:in=http://vs', 'code:in'], ['patient.organization.name=x', 'patient.organization.name'], ['_include=*', '_include']]) {
    assert.throws(() => parse('Condition', query!), (error: unknown) => {
      assert.ok(error instanceof OperationOutcomeError);
      assert.deepEqual([error.issues[0]?.code, error.issues[0]?.expression], ['not-supported', [name]]);
      return true;
    });
  }
});

test('ap widens the value: by 10% of the gap to now for a date, by 10% of the value for a number', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const [date] = parseSearchRequest('Patient', [['birthdate', 'ap2016-01-01']], { now }).clauses[0]!.values;
  const gap = now - Date.parse('2016-01-01T00:00:00Z');
  assert.deepEqual(date, { kind: 'date', prefix: 'ap', low: Date.parse('2016-01-01T00:00:00Z') - Math.round(gap / 10), high: Date.parse('2016-01-02T00:00:00Z') + Math.round(gap / 10) });
  // Only ap widens; the other prefixes keep the precision interval.
  assert.deepEqual(parseSearchRequest('Patient', [['birthdate', 'ge2016-01-01']], { now }).clauses[0]!.values[0], {
    kind: 'date', prefix: 'ge', low: Date.parse('2016-01-01T00:00:00Z'), high: Date.parse('2016-01-02T00:00:00Z'),
  });
  const [quantity] = parse('Observation', 'value-quantity=ap100||mg').clauses[0]!.values;
  assert.ok(quantity?.kind === 'quantity');
  assert.equal(quantity.value, 100);
  assert.ok(Math.abs(quantity.low - 89.5) < 1e-9 && Math.abs(quantity.high - 110.5) < 1e-9, `${quantity.low}..${quantity.high}`);
});

test('with the server base known, an absolute reference under it is local and one elsewhere is matched as written', () => {
  const values = parseSearchRequest('Observation', [['subject', 'https://ehr.example/fhir/Patient/7,https://other.example/fhir/Patient/7,Patient/7']], {
    localBase: 'https://ehr.example/fhir',
  }).clauses[0]!.values;
  assert.deepEqual(values, [
    { kind: 'reference', targetType: 'Patient', targetId: '7', url: 'Patient/7' },
    { kind: 'reference', targetType: undefined, targetId: '', url: 'https://other.example/fhir/Patient/7' },
    { kind: 'reference', targetType: 'Patient', targetId: '7', url: 'Patient/7' },
  ]);
});
