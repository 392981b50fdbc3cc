import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScopes, parseSearchRequest, type ResourceScope } from '../../model/index.js';
import { InsufficientScope } from '../access-errors.js';
import { OPEN_ACCESS, type AccessContext } from '../caller.js';
import { restrictSearch } from './restrict-search.js';

const CONTEXT = { now: Date.parse('2026-01-01T00:00:00Z'), localBase: 'https://ehr.example.org/fhir' };

function patientToken(scope: string): AccessContext {
  const scopes = parseScopes(scope).scopes.filter((s): s is ResourceScope => s.kind === 'resource');
  return { open: false, caller: { grantId: 'g', clientId: 'c', tokenId: 't', kind: 'user', scopes, patientId: 'p1' } };
}

test('open: the search is left alone', () => {
  const request = parseSearchRequest('Condition', [['_include', 'Condition:subject']]);
  restrictSearch(OPEN_ACCESS, request, CONTEXT);
  assert.equal(request.restriction, undefined);
  assert.equal(request.includeRestriction, undefined);
});

test('matches are confined to the compartment; includes per type to what may be read or searched', () => {
  const request = parseSearchRequest('Condition', [['_include', 'Condition:subject'], ['_include', 'Condition:asserter'], ['_revinclude', 'Provenance:target']]);
  restrictSearch(patientToken('patient/Condition.rs patient/Patient.r patient/Practitioner.s'), request, CONTEXT);
  assert.deepEqual(request.restriction, { anyOf: [{ compartment: 'p1', clauses: [] }] });
  const byType = request.includeRestriction!;
  assert.deepEqual(byType.Patient, { anyOf: [{ compartment: 'p1', clauses: [] }] });
  assert.deepEqual(byType.Practitioner, { anyOf: [{ clauses: [] }] }, 'a shared type: everything');
  assert.equal(byType.RelatedPerson, undefined, 'no scope: never included');
  assert.equal(byType.Provenance, undefined);
});

test('a type the caller may not search is refused', () => {
  assert.throws(() => restrictSearch(patientToken('patient/Condition.r'), parseSearchRequest('Condition', []), CONTEXT), InsufficientScope);
});

test('includes of wholly visible types add no restriction', () => {
  const scopes = parseScopes('system/*.rs').scopes.filter((s): s is ResourceScope => s.kind === 'resource');
  const request = parseSearchRequest('Condition', [['_include', 'Condition:subject']]);
  restrictSearch({ open: false, caller: { grantId: 'g', clientId: 'c', tokenId: 't', kind: 'backend', scopes } }, request, CONTEXT);
  assert.equal(request.restriction, undefined);
  assert.equal(request.includeRestriction, undefined);
});
