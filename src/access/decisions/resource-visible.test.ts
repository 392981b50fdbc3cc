import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScopes, type Resource, type ResourceScope } from '../../model/index.js';
import type { AccessContext } from '../caller.js';
import { decideAccess } from './decide-access.js';
import { resourceVisible } from './resource-visible.js';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const BASE = 'https://ehr.example.org/fhir';
const CONTEXT = { now: Date.parse('2026-01-01T00:00:00Z'), localBase: BASE };
const NOW = CONTEXT.now;

function visibilityOf(scope: string, type: string, patientId = 'p1') {
  const scopes = parseScopes(scope).scopes.filter((s): s is ResourceScope => s.kind === 'resource');
  const access: AccessContext = { open: false, caller: { grantId: 'g', clientId: 'c', tokenId: 't', kind: 'user', scopes, patientId } };
  return decideAccess(access, type, 'r', CONTEXT);
}

const condition = (subject: string, category: string, extra: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Condition', id: 'c1', subject: { reference: subject }, category: [{ coding: [{ system: CATEGORY, code: category }] }], ...extra,
});

test('the compartment: the patient itself, and resources referencing it through a compartment parameter', () => {
  const conditions = visibilityOf('patient/Condition.r', 'Condition');
  assert.equal(resourceVisible(conditions, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  assert.equal(resourceVisible(conditions, condition(`${BASE}/Patient/p1`, 'problem-list-item'), NOW, BASE), true, 'absolute reference to our own server');
  assert.equal(resourceVisible(conditions, condition('Patient/p2', 'problem-list-item'), NOW, BASE), false);
  assert.equal(resourceVisible(conditions, condition('https://elsewhere.example.org/fhir/Patient/p1', 'problem-list-item'), NOW, BASE), false, 'another server\'s p1');
  // asserter is a compartment parameter of Condition too (R4 CompartmentDefinition patient).
  assert.equal(resourceVisible(conditions, condition('Group/g1', 'problem-list-item', { asserter: { reference: 'Patient/p1' } }), NOW, BASE), true);
  const patients = visibilityOf('patient/Patient.r', 'Patient');
  assert.equal(resourceVisible(patients, { resourceType: 'Patient', id: 'p1' }, NOW, BASE), true);
  assert.equal(resourceVisible(patients, { resourceType: 'Patient', id: 'p2', link: [{ other: { reference: 'Patient/p1' } }] }, NOW, BASE), false);
});

test('a granular scope admits only resources matching its query, with search semantics', () => {
  const problems = visibilityOf(`patient/Condition.rs?category=${CATEGORY}|problem-list-item`, 'Condition');
  assert.equal(resourceVisible(problems, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  assert.equal(resourceVisible(problems, condition('Patient/p1', 'encounter-diagnosis'), NOW, BASE), false);
  assert.equal(resourceVisible(problems, condition('Patient/p2', 'problem-list-item'), NOW, BASE), false);
  // A code without a system matches any system, as in a search.
  const anySystem = visibilityOf('patient/Condition.rs?category=problem-list-item', 'Condition');
  assert.equal(resourceVisible(anySystem, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  const either = visibilityOf('patient/Condition.rs?category=problem-list-item,health-concern', 'Condition');
  assert.equal(resourceVisible(either, condition('Patient/p1', 'health-concern'), NOW, BASE), true);
  assert.equal(resourceVisible(either, condition('Patient/p1', 'encounter-diagnosis'), NOW, BASE), false);
  const not = visibilityOf('patient/Condition.rs?category:not=encounter-diagnosis', 'Condition');
  assert.equal(resourceVisible(not, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  assert.equal(resourceVisible(not, condition('Patient/p1', 'encounter-diagnosis'), NOW, BASE), false);
});

test('several granular scopes are ORed', () => {
  const visibility = visibilityOf('patient/Condition.rs?category=problem-list-item patient/Condition.rs?clinical-status=active', 'Condition');
  const active = { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } };
  assert.equal(resourceVisible(visibility, condition('Patient/p1', 'encounter-diagnosis', active), NOW, BASE), true);
  assert.equal(resourceVisible(visibility, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  assert.equal(resourceVisible(visibility, condition('Patient/p1', 'encounter-diagnosis'), NOW, BASE), false);
});

test('_lastUpdated and _id queries use the version\'s time and the resource id', () => {
  const recent = visibilityOf('patient/Condition.rs?_lastUpdated=ge2025-06-01', 'Condition');
  assert.equal(resourceVisible(recent, condition('Patient/p1', 'problem-list-item'), Date.parse('2025-07-01'), BASE), true);
  assert.equal(resourceVisible(recent, condition('Patient/p1', 'problem-list-item'), Date.parse('2025-01-01'), BASE), false);
  const byId = visibilityOf('patient/Condition.rs?_id=c1', 'Condition');
  assert.equal(resourceVisible(byId, condition('Patient/p1', 'problem-list-item'), NOW, BASE), true);
  assert.equal(resourceVisible(byId, { ...condition('Patient/p1', 'problem-list-item'), id: 'c2' }, NOW, BASE), false);
});
