import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScopes } from './parse-scope.js';
import { queryAlternatives, queryImplies, queryKey } from './query-implies.js';
import { permits, scopeCovers, type ScopeRequest } from './scope-covers.js';
import type { ParsedScope, ScopeInteraction, ScopeLevel } from './scope-types.js';
import { smartInteraction } from './smart-interaction.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

function scopes(text: string): ParsedScope[] {
  const parsed = parseScopes(text);
  assert.deepEqual(parsed.invalid, []);
  return parsed.scopes;
}

const PATIENT_TOKEN: readonly ScopeLevel[] = ['patient', 'user'];
const ask = (resourceType: string, interaction: ScopeInteraction, levels: readonly ScopeLevel[] = PATIENT_TOKEN): ScopeRequest => ({ levels, resourceType, interaction });

test('a type scope permits exactly its letters on its type', () => {
  const granted = scopes('patient/Observation.rs');
  assert.deepEqual(permits(granted, ask('Observation', 'r')), { allowed: true, grants: [{ level: 'patient', restrictions: 'none' }] });
  assert.deepEqual(permits(granted, ask('Observation', 's')), { allowed: true, grants: [{ level: 'patient', restrictions: 'none' }] });
  for (const letter of ['c', 'u', 'd'] as const) assert.deepEqual(permits(granted, ask('Observation', letter)), { allowed: false });
  assert.deepEqual(permits(granted, ask('Condition', 'r')), { allowed: false });
  // "Note also that write access does not imply read access" (§"Patient-specific scopes").
  assert.deepEqual(permits(scopes('patient/Observation.c'), ask('Observation', 'r')), { allowed: false });
});

test('wildcard types cover every type, now and in the future', () => {
  const granted = scopes('patient/*.rs');
  for (const type of ['Observation', 'Condition', 'Patient', 'MedicationRequest']) assert.equal(permits(granted, ask(type, 's')).allowed, true);
  assert.equal(permits(granted, ask('Observation', 'u')).allowed, false);
  assert.equal(permits(scopes('system/*.*'), ask('Group', 'd', ['system'])).allowed, true);
  // Asking about every type at once is only answered by a wildcard.
  assert.equal(permits(scopes('patient/Observation.rs'), ask('*', 's')).allowed, false);
  assert.equal(permits(granted, ask('*', 's')).allowed, true);
});

test('v1 and v2 scopes permit the same', () => {
  const pairs = [['patient/*.read', 'patient/*.rs'], ['user/Observation.write', 'user/Observation.cud'], ['system/*.*', 'system/*.cruds']] as const;
  for (const [v1, v2] of pairs) {
    for (const letter of ['c', 'r', 'u', 'd', 's'] as const) {
      for (const level of ['patient', 'user', 'system'] as const) {
        assert.deepEqual(permits(scopes(v1), ask('Observation', letter, [level])), permits(scopes(v2), ask('Observation', letter, [level])), `${v1} ${letter} ${level}`);
      }
    }
  }
});

test('only the levels the token may use count', () => {
  const granted = scopes('system/*.cruds patient/Observation.rs user/Condition.rs');
  assert.equal(permits(granted, ask('Group', 'r', ['patient', 'user'])).allowed, false);
  assert.equal(permits(granted, ask('Group', 'r', ['system'])).allowed, true);
  // No launch patient: patient/ scopes mean nothing.
  assert.equal(permits(granted, ask('Observation', 'r', ['user'])).allowed, false);
  assert.deepEqual(permits(granted, ask('Condition', 's', ['user'])), { allowed: true, grants: [{ level: 'user', restrictions: 'none' }] });
});

test('one grant per matching level, in the order the caller gave', () => {
  const granted = scopes(`patient/Observation.rs user/Observation.rs?category=${LAB}`);
  assert.deepEqual(permits(granted, ask('Observation', 's', ['patient', 'user'])), {
    allowed: true,
    grants: [{ level: 'patient', restrictions: 'none' }, { level: 'user', restrictions: [[['category', LAB]]] }],
  });
  assert.deepEqual(permits(granted, ask('Observation', 's', ['user', 'patient', 'user'])), {
    allowed: true,
    grants: [{ level: 'user', restrictions: [[['category', LAB]]] }, { level: 'patient', restrictions: 'none' }],
  });
});

test('restrictions: none when any covering scope has no query, else the OR of the queries', () => {
  assert.deepEqual(permits(scopes(`patient/Observation.rs?category=${LAB} patient/Observation.rs`), ask('Observation', 'r')), {
    allowed: true,
    grants: [{ level: 'patient', restrictions: 'none' }],
  });
  assert.deepEqual(permits(scopes(`patient/Observation.rs?category=${LAB} patient/*.r`), ask('Observation', 'r')), {
    allowed: true,
    grants: [{ level: 'patient', restrictions: 'none' }],
  });
  // The unrestricted wildcard does not give search; only the granular scope does.
  assert.deepEqual(permits(scopes(`patient/Observation.rs?category=${LAB} patient/*.r`), ask('Observation', 's')), {
    allowed: true,
    grants: [{ level: 'patient', restrictions: [[['category', LAB]]] }],
  });
  assert.deepEqual(permits(scopes(`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}&status=final`), ask('Observation', 's')), {
    allowed: true,
    grants: [{ level: 'patient', restrictions: [[['category', LAB]], [['category', VITALS], ['status', 'final']]] }],
  });
});

test('restrictions drop repeats and queries another one already implies', () => {
  const granted = scopes(
    `user/Observation.rs?category=${LAB}&status=final user/Observation.r?status=final&category=${LAB} user/Observation.rs?category=${LAB} user/Observation.s?category=${VITALS}`,
  );
  assert.deepEqual(permits(granted, ask('Observation', 's', ['user'])), {
    allowed: true,
    grants: [{ level: 'user', restrictions: [[['category', LAB]], [['category', VITALS]]] }],
  });
  assert.deepEqual(permits(granted, ask('Observation', 'r', ['user'])), { allowed: true, grants: [{ level: 'user', restrictions: [[['category', LAB]]] }] });
  // Two spellings of the same restriction are one.
  const same = scopes('user/Observation.r?a=1&a=1,2 user/Observation.r?a=1');
  assert.deepEqual(permits(same, ask('Observation', 'r', ['user'])), { allowed: true, grants: [{ level: 'user', restrictions: [[['a', '1'], ['a', '1,2']]] }] });
});

test('non-resource scopes permit no FHIR interaction', () => {
  assert.deepEqual(permits(scopes('openid fhirUser launch launch/patient offline_access __x'), ask('Patient', 'r')), { allowed: false });
  assert.deepEqual(permits([], ask('Patient', 'r')), { allowed: false });
});

test('scopeCovers: letters may come from different granted scopes (§"Scope Equivalence")', () => {
  const granted = scopes('patient/Observation.r patient/Observation.s');
  assert.equal(scopeCovers(granted, scopes('patient/Observation.rs')[0]!), true);
  assert.equal(scopeCovers(granted, scopes('patient/Observation.read')[0]!), true);
  assert.equal(scopeCovers(granted, scopes('patient/Observation.rds')[0]!), false);
  assert.equal(scopeCovers(scopes('patient/*.r patient/Observation.s'), scopes('patient/Observation.rs')[0]!), true);
});

test('queryImplies: AND of params, OR of comma values, no query is broadest', () => {
  assert.equal(queryImplies(undefined, undefined), true);
  assert.equal(queryImplies([['a', '1']], undefined), true);
  assert.equal(queryImplies(undefined, [['a', '1']]), false);
  assert.equal(queryImplies([['a', '1'], ['b', '2']], [['a', '1']]), true);
  assert.equal(queryImplies([['a', '1']], [['a', '1'], ['b', '2']]), false);
  assert.equal(queryImplies([['a', '1']], [['a', '1,2']]), true);
  assert.equal(queryImplies([['a', '1,2']], [['a', '1']]), false);
  assert.equal(queryImplies([['a', '2,1']], [['a', '1,2,3']]), true);
  assert.equal(queryImplies([['a:not', '1']], [['a', '1']]), false);
  assert.equal(queryImplies([['a', 'x|1']], [['a', '1']]), false, 'syntactic: token semantics are not modelled');
});

test('queryAlternatives distributes commas, within a limit', () => {
  assert.deepEqual(queryAlternatives(undefined), [undefined]);
  assert.deepEqual(queryAlternatives([['a', '1,2'], ['b', '3']]), [[['a', '1'], ['b', '3']], [['a', '2'], ['b', '3']]]);
  const huge: [string, string][] = [['a', '1,2,3,4,5,6,7,8'], ['b', '1,2,3,4,5,6,7,8'], ['c', '1,2']];
  assert.deepEqual(queryAlternatives(huge), [huge]);
  assert.equal(queryKey([['b', '2,1'], ['a', '1'], ['a', '1']]), queryKey([['a', '1'], ['b', '1,2']]));
  assert.notEqual(queryKey([['a', '1']]), queryKey([['a', '2']]));
});

test('smartInteraction maps R4 interactions to letters (§"Scopes for requesting FHIR Resources")', () => {
  const expected = {
    create: 'c', read: 'r', vread: 'r', 'history-instance': 'r', update: 'u', patch: 'u', delete: 'd',
    'search-type': 's', 'history-type': 's', 'search-system': 's', 'history-system': 's', batch: undefined, transaction: undefined,
  } as const;
  for (const [interaction, letter] of Object.entries(expected)) assert.equal(smartInteraction(interaction as keyof typeof expected), letter, interaction);
});
