import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, listOf } from './patient-lists.js';

const problem = (code: string) => ({ resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' }, category: [{ coding: [{ code }] }],
  clinicalStatus: { coding: [{ code: 'active' }] } });

test('a Condition is on the problem list only with the problem-list-item category; medications and allergies by type', () => {
  assert.equal(listOf(problem('problem-list-item')), 'problems');
  assert.equal(listOf(problem('encounter-diagnosis')), undefined, 'left the list');
  assert.equal(listOf({ resourceType: 'MedicationStatement' }), 'medications');
  assert.equal(listOf({ resourceType: 'MedicationRequest' }), 'medications');
  assert.equal(listOf({ resourceType: 'AllergyIntolerance' }), 'allergies');
  assert.equal(listOf({ resourceType: 'Observation' }), undefined);
});

test('describes a line for people: the concept, then the status', () => {
  assert.equal(describe(problem('problem-list-item')), 'Asthma (active)');
  assert.equal(describe({ resourceType: 'MedicationRequest', id: 'm', status: 'active', medicationCodeableConcept: { coding: [{ display: 'Metformin' }] } }), 'Metformin (active)');
  assert.equal(describe({ resourceType: 'MedicationRequest', id: 'm', medicationReference: { reference: 'Medication/x' } }), 'Medication/x');
});
