import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScopes, type ResourceScope } from '../../model/index.js';
import { InsufficientScope } from '../access-errors.js';
import { OPEN_ACCESS, type AccessContext, type Caller } from '../caller.js';
import { decideAccess } from './decide-access.js';

const PROBLEM = 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';
const CONTEXT = { now: Date.parse('2026-01-01T00:00:00Z'), localBase: 'https://ehr.example.org/fhir' };

function callerWith(scope: string, extra: Partial<Caller> = {}): AccessContext {
  const scopes = parseScopes(scope).scopes.filter((s): s is ResourceScope => s.kind === 'resource');
  return { open: false, caller: { grantId: 'g', clientId: 'c', tokenId: 't', kind: 'user', scopes, ...extra } };
}

const refused = (fn: () => unknown) => assert.throws(fn, InsufficientScope);

test('an open server sees everything', () => {
  assert.equal(decideAccess(OPEN_ACCESS, 'Condition', 'd', CONTEXT), 'everything');
});

test('patient/ scopes: bounded by the launch patient\'s compartment; nothing without one', () => {
  const access = callerWith('patient/Condition.rs patient/Patient.r', { patientId: 'p1' });
  assert.deepEqual(decideAccess(access, 'Condition', 's', CONTEXT), { anyOf: [{ compartment: 'p1', clauses: [] }] });
  assert.deepEqual(decideAccess(access, 'Patient', 'r', CONTEXT), { anyOf: [{ compartment: 'p1', clauses: [] }] });
  refused(() => decideAccess(access, 'Condition', 'c', CONTEXT));
  refused(() => decideAccess(access, 'Observation', 'r', CONTEXT));
  refused(() => decideAccess(access, 'Patient', 's', CONTEXT));
  refused(() => decideAccess(callerWith('patient/*.cruds'), 'Condition', 'r', CONTEXT));
});

test('patient/ scopes reach the shared types a chart refers to, read and search only, and no other type outside the compartment', () => {
  const access = callerWith('patient/*.cruds', { patientId: 'p1' });
  for (const type of ['Medication', 'Practitioner', 'PractitionerRole', 'Organization', 'Location']) {
    assert.equal(decideAccess(access, type, 'r', CONTEXT), 'everything', type);
    assert.equal(decideAccess(access, type, 's', CONTEXT), 'everything', type);
    refused(() => decideAccess(access, type, 'u', CONTEXT));
  }
  refused(() => decideAccess(access, 'Questionnaire', 'r', CONTEXT));
  assert.deepEqual(decideAccess(access, 'Encounter', 'c', CONTEXT), { anyOf: [{ compartment: 'p1', clauses: [] }] });
});

test('user/ scopes: a practitioner sees all the scopes cover; a patient user their own compartment; no fhirUser nothing', () => {
  assert.equal(decideAccess(callerWith('user/Condition.rs', { fhirUser: 'Practitioner/d1' }), 'Condition', 'r', CONTEXT), 'everything');
  assert.equal(decideAccess(callerWith('user/*.rs', { fhirUser: 'https://ehr.example.org/fhir/Practitioner/d1' }), 'Questionnaire', 's', CONTEXT), 'everything');
  assert.deepEqual(decideAccess(callerWith('user/Condition.rs', { fhirUser: 'Patient/p9' }), 'Condition', 'r', CONTEXT), { anyOf: [{ compartment: 'p9', clauses: [] }] });
  refused(() => decideAccess(callerWith('user/Condition.rs'), 'Condition', 'r', CONTEXT));
  refused(() => decideAccess(callerWith('user/Condition.rs', { fhirUser: 'RelatedPerson/r1' }), 'Condition', 'r', CONTEXT));
});

test('system/ scopes serve backend services only', () => {
  assert.equal(decideAccess(callerWith('system/Condition.rs', { kind: 'backend' }), 'Condition', 's', CONTEXT), 'everything');
  refused(() => decideAccess(callerWith('system/Condition.rs', { kind: 'backend' }), 'Observation', 's', CONTEXT));
  refused(() => decideAccess(callerWith('system/Condition.rs', { kind: 'user', fhirUser: 'Practitioner/d1' }), 'Condition', 's', CONTEXT));
  assert.equal(decideAccess(callerWith('system/Condition.rs', { kind: 'derived' }), 'Condition', 's', CONTEXT), 'everything');
});

test('granular scopes become clauses; several scopes are ORed; a query we cannot evaluate denies', () => {
  const one = decideAccess(callerWith(`patient/Condition.rs?category=${PROBLEM}`, { patientId: 'p1' }), 'Condition', 'r', CONTEXT);
  assert.ok(one !== 'everything');
  assert.equal(one.anyOf.length, 1);
  assert.equal(one.anyOf[0]!.compartment, 'p1');
  assert.equal(one.anyOf[0]!.clauses[0]!.param.code, 'category');

  const two = decideAccess(callerWith(`patient/Condition.rs?category=${PROBLEM} patient/Condition.rs?clinical-status=active`, { patientId: 'p1' }), 'Condition', 's', CONTEXT);
  assert.ok(two !== 'everything');
  assert.deepEqual(two.anyOf.map((a) => a.clauses.map((c) => c.param.code)), [['category'], ['clinical-status']]);

  // A broader scope makes the granular one irrelevant.
  assert.deepEqual(decideAccess(callerWith(`patient/Condition.rs?category=${PROBLEM} patient/Condition.rs`, { patientId: 'p1' }), 'Condition', 'r', CONTEXT),
    { anyOf: [{ compartment: 'p1', clauses: [] }] });

  refused(() => decideAccess(callerWith('patient/Condition.rs?no-such-param=1', { patientId: 'p1' }), 'Condition', 'r', CONTEXT));
  refused(() => decideAccess(callerWith('patient/Condition.rs?subject.name=x', { patientId: 'p1' }), 'Condition', 'r', CONTEXT));
  refused(() => decideAccess(callerWith('patient/Condition.rs?_count=1', { patientId: 'p1' }), 'Condition', 'r', CONTEXT));
  refused(() => decideAccess(callerWith('patient/Condition.rs?onset-date=notadate', { patientId: 'p1' }), 'Condition', 'r', CONTEXT));
  // An unevaluable scope next to a usable one leaves the usable one alone.
  const mixed = decideAccess(callerWith(`patient/Condition.rs?no-such-param=1 patient/Condition.rs?category=${PROBLEM}`, { patientId: 'p1' }), 'Condition', 'r', CONTEXT);
  assert.ok(mixed !== 'everything');
  assert.deepEqual(mixed.anyOf.map((a) => a.clauses.map((c) => c.param.code)), [['category']]);
});

test('patient/ and user/ levels together are ORed, each with its own bound', () => {
  const access = callerWith(`patient/Observation.rs user/Observation.rs?category=laboratory`, { patientId: 'p1', fhirUser: 'Practitioner/d1' });
  const visibility = decideAccess(access, 'Observation', 's', CONTEXT);
  assert.ok(visibility !== 'everything');
  assert.deepEqual(visibility.anyOf.map((a) => [a.compartment, a.clauses.length]), [['p1', 0], [undefined, 1]]);
});

test('the refusal names a scope that would have covered the request', () => {
  try {
    decideAccess(callerWith('patient/Condition.r', { patientId: 'p1' }), 'Condition', 's', CONTEXT);
    assert.fail('expected InsufficientScope');
  } catch (error) {
    assert.ok(error instanceof InsufficientScope);
    assert.equal(error.requiredScope, 'patient/Condition.s');
    assert.match(error.wwwAuthenticate, /error="insufficient_scope"/);
  }
});
