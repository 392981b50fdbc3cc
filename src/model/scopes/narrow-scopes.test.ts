import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatScopes } from './format-scope.js';
import { intersectScopes } from './intersect-scopes.js';
import { isNarrowing, narrowScopes } from './narrow-scopes.js';
import { parseScopes } from './parse-scope.js';
import type { ParsedScope } from './scope-types.js';

const PROBLEM = 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';
const DIAGNOSIS = 'http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function scopes(text: string): ParsedScope[] {
  const parsed = parseScopes(text);
  assert.deepEqual(parsed.invalid, []);
  return parsed.scopes;
}

const narrows = (requested: string, granted: string) => isNarrowing(scopes(requested), scopes(granted));

test('refresh may narrow, never widen: interactions', () => {
  assert.equal(narrows('patient/*.rs', 'patient/*.rs'), true);
  assert.equal(narrows('patient/*.r', 'patient/*.rs'), true);
  assert.equal(narrows('patient/*.cruds', 'patient/*.rs'), false);
  assert.equal(narrows('patient/Observation.rs', 'patient/Observation.cruds'), true);
  assert.equal(narrows('patient/Observation.rds', 'patient/Observation.rs'), false);
  const refused = narrowScopes(scopes('patient/*.cruds openid'), scopes('patient/*.rs openid'));
  assert.deepEqual(refused.ok ? [] : formatScopes(refused.widening), 'patient/*.cruds');
});

test('types: * covers every type, a type never covers *', () => {
  assert.equal(narrows('patient/Observation.rs patient/Condition.r', 'patient/*.rs'), true);
  assert.equal(narrows('patient/*.rs', 'patient/Observation.rs'), false);
  assert.equal(narrows('patient/*.rs', 'patient/Observation.rs patient/Condition.rs'), false);
  assert.equal(narrows('patient/Condition.rs', 'patient/Observation.rs'), false);
  assert.equal(narrows('system/Group.rs', 'system/*.*'), true);
});

test('levels must stay the same', () => {
  assert.equal(narrows('patient/Observation.rs', 'user/Observation.rs'), false);
  assert.equal(narrows('user/Observation.rs', 'patient/Observation.rs'), false);
  assert.equal(narrows('user/Observation.rs', 'system/*.cruds'), false);
  assert.equal(narrows('system/Observation.rs', 'user/*.cruds'), false);
});

test('v1 and v2 are equivalent both ways', () => {
  assert.equal(narrows('patient/*.read', 'patient/*.rs'), true);
  assert.equal(narrows('patient/*.rs', 'patient/*.read'), true);
  assert.equal(narrows('patient/Observation.read', 'patient/*.read'), true);
  assert.equal(narrows('user/*.write', 'user/*.cud'), true);
  assert.equal(narrows('user/*.cruds', 'user/*.*'), true);
  assert.equal(narrows('user/*.*', 'user/*.read user/*.write'), true);
  assert.equal(narrows('patient/*.write', 'patient/*.read'), false);
  assert.equal(narrows('patient/*.*', 'patient/*.read'), false);
});

test('letters may come from several granted scopes (§"Scope Equivalence")', () => {
  assert.equal(narrows('patient/AllergyIntolerance.cruds', 'patient/AllergyIntolerance.rs patient/AllergyIntolerance.cud'), true);
  assert.equal(narrows('patient/Observation.rs', 'patient/Observation.r patient/*.s'), true);
});

test('granular queries: adding a query narrows, dropping one widens', () => {
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, 'patient/Condition.rs'), true);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, 'patient/*.rs'), true);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, 'patient/*.read'), true);
  assert.equal(narrows('patient/Condition.rs', `patient/Condition.rs?category=${PROBLEM}`), false);
  assert.equal(narrows(`patient/Condition.rs?category=${DIAGNOSIS}`, `patient/Condition.rs?category=${PROBLEM}`), false);
  assert.equal(narrows(`patient/Condition.r?category=${PROBLEM}`, `patient/Condition.rs?category=${PROBLEM}`), true);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, `patient/Condition.r?category=${PROBLEM}`), false);
  // The query binds the type: a wildcard with a query is not covered by a typed one.
  assert.equal(narrows(`patient/*.rs?category=${PROBLEM}`, `patient/Condition.rs`), false);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, `patient/*.rs?category=${PROBLEM}`), true);
});

test('granular queries: several params (AND) and comma values (OR)', () => {
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}&clinical-status=active`, `patient/Condition.rs?category=${PROBLEM}`), true);
  assert.equal(narrows(`patient/Condition.rs?clinical-status=active&category=${PROBLEM}`, `patient/Condition.rs?category=${PROBLEM}&clinical-status=active`), true);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, `patient/Condition.rs?category=${PROBLEM}&clinical-status=active`), false);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM}`, `patient/Condition.rs?category=${PROBLEM},${DIAGNOSIS}`), true);
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM},${DIAGNOSIS}`, `patient/Condition.rs?category=${PROBLEM}`), false);
  // An OR of categories is covered by one granted scope per category.
  assert.equal(narrows(`patient/Condition.rs?category=${PROBLEM},${DIAGNOSIS}`, `patient/Condition.rs?category=${PROBLEM} patient/Condition.rs?category=${DIAGNOSIS}`), true);
  // Same param twice is AND: both must be implied.
  assert.equal(narrows(`patient/Observation.rs?category=${LAB}`, `patient/Observation.rs?category=${LAB}&category=x`), false);
});

test('launch, identity, refresh and unknown scopes must be in the grant', () => {
  const granted = 'launch/patient openid fhirUser offline_access patient/*.rs __profilePhoto.manage';
  assert.equal(narrows('launch/patient openid fhirUser offline_access patient/Observation.rs', granted), true);
  assert.equal(narrows('openid', granted), true);
  assert.equal(narrows('__profilePhoto.manage', granted), true);
  for (const extra of ['profile', 'launch', 'launch/encounter', 'online_access', 'email', 'launch/list?role=x']) {
    assert.equal(narrows(`patient/*.rs ${extra}`, granted), false, extra);
  }
  assert.equal(narrows('launch/list?role=x', 'launch/list'), false);
  const refused = narrowScopes(scopes('openid profile patient/*.cruds offline_access'), scopes(granted));
  assert.deepEqual(refused.ok ? '' : formatScopes(refused.widening), 'profile patient/*.cruds');
});

test('a successful narrowing returns the requested scopes as the client wrote them', () => {
  const result = narrowScopes(scopes(`patient/Observation.read patient/Condition.rs?category=${PROBLEM} openid`), scopes('patient/*.read openid fhirUser'));
  assert.equal(result.ok, true);
  assert.equal(result.ok && formatScopes(result.scopes, 'requested'), `patient/Observation.read patient/Condition.rs?category=${PROBLEM} openid`);
  assert.deepEqual(narrowScopes([], scopes('patient/*.rs')), { ok: true, scopes: [] });
});

test('intersectScopes keeps what the registration covers, as written', () => {
  const allowed = scopes('patient/*.rs user/Observation.cruds launch launch/patient openid fhirUser offline_access');
  const requested = scopes(`launch/patient openid fhirUser patient/Observation.read patient/Condition.rs?category=${PROBLEM} user/Observation.cud offline_access`);
  assert.deepEqual(intersectScopes(requested, allowed), requested);
});

test('intersectScopes drops what the registration does not allow', () => {
  const allowed = scopes('patient/*.rs openid');
  assert.equal(formatScopes(intersectScopes(scopes('openid fhirUser online_access launch __x user/*.rs system/*.rs patient/*.rs'), allowed)), 'openid patient/*.rs');
  assert.deepEqual(intersectScopes(scopes('user/*.rs'), allowed), []);
  assert.deepEqual(intersectScopes(scopes('patient/*.rs'), []), []);
});

test('intersectScopes cuts a scope to its overlap with the registration', () => {
  const cut = (requested: string, allowed: string) => formatScopes(intersectScopes(scopes(requested), scopes(allowed)), 'requested');
  assert.equal(cut('patient/*.cruds', 'patient/*.rs'), 'patient/*.rs');
  assert.equal(cut('patient/*.cruds', 'patient/Observation.rs patient/Condition.r'), 'patient/Observation.rs patient/Condition.r');
  assert.equal(cut('patient/*.read', 'patient/Observation.rs patient/Condition.rs'), 'patient/Observation.read patient/Condition.read');
  assert.equal(cut('patient/*.*', 'patient/*.read'), 'patient/*.read');
  assert.equal(cut('patient/*.*', 'patient/*.r'), 'patient/*.r');
  assert.equal(cut('patient/Observation.rs', `patient/Observation.rs?category=${LAB}`), `patient/Observation.rs?category=${LAB}`);
  assert.equal(cut('patient/Observation.read', `patient/Observation.r?category=${LAB}`), `patient/Observation.r?category=${LAB}`);
  assert.equal(cut('patient/Observation.rs?status=final', `patient/*.r?category=${LAB}`), `patient/Observation.r?status=final&category=${LAB}`);
  assert.equal(cut(`patient/Condition.rs?category=${PROBLEM},${DIAGNOSIS}`, `patient/Condition.rs?category=${PROBLEM}`), `patient/Condition.rs?category=${PROBLEM}`);
  // Overlapping registered scopes give no redundant pieces.
  assert.equal(cut('patient/*.cruds', 'patient/*.rs patient/Observation.r'), 'patient/*.rs');
  assert.equal(cut('patient/*.cruds', 'patient/Observation.r patient/*.rs'), 'patient/*.rs');
  assert.equal(cut('patient/*.cruds patient/*.rs', 'patient/*.rs'), 'patient/*.rs');
});

test('whatever intersectScopes returns narrows both the request and the registration', () => {
  const requests = ['patient/*.cruds', 'patient/*.read user/*.*', `patient/Condition.rs?category=${PROBLEM},${DIAGNOSIS} openid launch`, 'system/*.rs patient/Observation.cu'];
  const registrations = ['patient/*.rs', 'patient/Observation.rs patient/Condition.cud openid', `patient/Condition.r?category=${PROBLEM} user/Observation.cruds`, 'system/Group.r launch'];
  for (const request of requests) {
    for (const registration of registrations) {
      const result = intersectScopes(scopes(request), scopes(registration));
      assert.equal(isNarrowing(result, scopes(request)), true, `${request} ∩ ${registration} ⊆ request`);
      assert.equal(isNarrowing(result, scopes(registration)), true, `${request} ∩ ${registration} ⊆ registration`);
    }
  }
});
