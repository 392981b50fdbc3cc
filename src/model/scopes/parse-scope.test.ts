import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatScope, formatScopes } from './format-scope.js';
import { parseScope, parseScopes } from './parse-scope.js';
import type { ParsedScope, ResourceScope } from './scope-types.js';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const PROBLEM = 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';

function resource(text: string): ResourceScope {
  const scope = parseScope(text);
  assert.ok(scope?.kind === 'resource', `${text} should parse as a resource scope, got ${JSON.stringify(scope)}`);
  return scope;
}

function problemOf(text: string): string {
  const { scopes, invalid } = parseScopes(text);
  assert.deepEqual(scopes, [], `${text} should be invalid`);
  assert.equal(invalid.length, 1);
  return invalid[0]!.problem;
}

test('v2 resource scopes: level, type or *, interactions in cruds order', () => {
  assert.deepEqual(parseScope('patient/Observation.rs'), { kind: 'resource', level: 'patient', resourceType: 'Observation', interactions: ['r', 's'], syntax: 'v2' });
  assert.deepEqual(resource('user/Observation.cruds').interactions, ['c', 'r', 'u', 'd', 's']);
  assert.deepEqual(resource('system/*.rs'), { kind: 'resource', level: 'system', resourceType: '*', interactions: ['r', 's'], syntax: 'v2' });
  assert.deepEqual(resource('patient/Patient.r').interactions, ['r']);
  assert.deepEqual(resource('patient/Observation.c').interactions, ['c']);
  assert.deepEqual(resource('system/Encounter.cud').interactions, ['c', 'u', 'd']);
});

test('every non-empty in-order subset of cruds is valid; every other ordering is not', () => {
  const letters = ['c', 'r', 'u', 'd', 's'];
  const valid = new Set<string>();
  for (let mask = 1; mask < 32; mask++) valid.add(letters.filter((_, i) => mask & (1 << i)).join(''));
  assert.equal(valid.size, 31);
  for (const suffix of valid) assert.equal(resource(`patient/Observation.${suffix}`).interactions.join(''), suffix);
  const permutations = (rest: string[]): string[] => (rest.length <= 1 ? rest : rest.flatMap((l, i) => permutations(rest.filter((_, j) => j !== i)).map((p) => l + p)));
  for (const suffix of [...permutations(['r', 's']), ...permutations(['c', 'u', 'd']), ...permutations(letters)]) {
    assert.equal(parseScope(`patient/Observation.${suffix}`) !== undefined, valid.has(suffix), suffix);
  }
});

test('v1 scopes map read → rs, write → cud, * → cruds and remember the syntax', () => {
  assert.deepEqual(parseScope('patient/Observation.read'), { kind: 'resource', level: 'patient', resourceType: 'Observation', interactions: ['r', 's'], syntax: 'v1' });
  assert.deepEqual(resource('user/Observation.write').interactions, ['c', 'u', 'd']);
  assert.deepEqual(resource('system/*.*'), { kind: 'resource', level: 'system', resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'], syntax: 'v1' });
  assert.deepEqual(resource('patient/*.read').interactions, resource('patient/*.rs').interactions);
});

test('granular scopes: ?param=value[&param=value], raw values, order kept', () => {
  assert.deepEqual(resource(`patient/Observation.rs?category=${LAB}`).query, [['category', LAB]]);
  assert.deepEqual(resource(`patient/Condition.rs?category=${PROBLEM}`).query, [['category', PROBLEM]]);
  assert.deepEqual(resource(`patient/Condition.rs?clinical-status=active&category=${PROBLEM}`).query, [['clinical-status', 'active'], ['category', PROBLEM]]);
  assert.deepEqual(resource('user/Observation.rs?category=vital-signs,laboratory&status=final').query, [['category', 'vital-signs,laboratory'], ['status', 'final']]);
  // §"Experimental features": modifiers and chains are syntactically fine.
  assert.deepEqual(resource('patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes').query, [['code:in', 'http://valueset.example.org/ValueSet/diabetes-codes']]);
  assert.deepEqual(resource('patient/Observation.rs?patient.birthdate=1990').query, [['patient.birthdate', '1990']]);
  assert.deepEqual(resource('system/*.rs?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|N').query, [['_security', 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|N']]);
  assert.deepEqual(resource('patient/Observation.rs?value=a=b').query, [['value', 'a=b']]);
});

test('malformed resource scopes are invalid, with a reason', () => {
  assert.match(problemOf('patient/Observation.sr'), /in-order string "\.cruds"/);
  assert.match(problemOf('patient/Observation.dus'), /cruds/);
  assert.match(problemOf('patient/Observation.rr'), /cruds/);
  assert.match(problemOf('patient/Observation.RS'), /cruds/);
  assert.match(problemOf('patient/Observation.'), /no interactions/);
  assert.match(problemOf('patient/Observation'), /missing "\.interactions"/);
  assert.match(problemOf('patient/Observation.r.s'), /cruds/);
  assert.match(problemOf('patient/Observation.reads'), /cruds/);
  assert.match(problemOf('Patient/Observation.rs'), /not a scope level/);
  assert.match(problemOf('USER/*.rs'), /not a scope level/);
  assert.match(problemOf('patient/observation.rs'), /not an R4 resource type/);
  assert.match(problemOf('patient/Foo.rs'), /not an R4 resource type/);
  assert.match(problemOf('patient/.rs'), /not an R4 resource type/);
  assert.match(problemOf('patient/**.rs'), /not an R4 resource type/);
  assert.match(problemOf('patient/Observation.read?category=laboratory'), /needs the v2 syntax/);
  for (const bad of ['?', '?category', '?=x', '?category=', '?a=1&', '?a=1&&b=2', '?category=a,,b', '?category=a,', '?&a=1', '?a b=1']) {
    assert.equal(parseScope(`patient/Observation.rs${bad}`), undefined, bad);
  }
});

test('launch scopes: launch, launch/patient, launch/encounter, lower-case others, one ?role=', () => {
  assert.deepEqual(parseScope('launch'), { kind: 'launch' });
  assert.deepEqual(parseScope('launch/patient'), { kind: 'launch', context: 'patient' });
  assert.deepEqual(parseScope('launch/encounter'), { kind: 'launch', context: 'encounter' });
  assert.deepEqual(parseScope('launch/imagingstudy'), { kind: 'launch', context: 'imagingstudy' });
  assert.deepEqual(parseScope('launch/list?role=https://example.org/med-list-at-home'), { kind: 'launch', context: 'list', role: 'https://example.org/med-list-at-home' });
  assert.match(problemOf('launch/Patient'), /lower case/);
  for (const bad of ['launch/', 'launch/patient/x', 'launch/patient?x=1', 'launch/patient?role=', 'launch/list?role=a&role=b']) {
    assert.equal(parseScope(bad), undefined, bad);
  }
});

test('identity and refresh scopes are their names; other well-formed tokens are kept as other', () => {
  for (const name of ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const) assert.deepEqual(parseScope(name), { kind: name });
  for (const text of ['__profilePhoto.manage', 'https://ehr.example.org/scopes/profilePhoto.manage', 'email', 'OpenID', 'fhiruser', 'launchx', 'patient', 'user*.rs', 'patient.Observation.rs']) {
    assert.deepEqual(parseScope(text), { kind: 'other', text }, text);
  }
});

test('tokens outside the RFC 6749 scope-token grammar are invalid', () => {
  for (const bad of ['', 'a b', 'a"b', 'a\\,b', 'é', 'open\tid', 'a\nb', '\u0000']) assert.equal(parseScope(bad), undefined, JSON.stringify(bad));
  assert.match(problemOf('patient/Observation.rs?code=a\\,b'), /RFC 6749/);
});

test('parseScopes splits on spaces, drops repeats, keeps order and lists the invalid', () => {
  const { scopes, invalid } = parseScopes('  launch/patient openid fhirUser  patient/*.read patient/Observation.sr openid patient/*.rs __x patient/*.read ');
  assert.deepEqual(formatScopes(scopes, 'requested'), 'launch/patient openid fhirUser patient/*.read patient/*.rs __x');
  assert.deepEqual(invalid.map((i) => i.text), ['patient/Observation.sr']);
  assert.deepEqual(parseScopes(''), { scopes: [], invalid: [] });
});

test('formatScope: canonical v2, or the syntax the client used', () => {
  const texts = [
    'patient/Observation.rs', 'user/*.cruds', 'system/Encounter.cud', 'patient/*.read', 'user/Observation.write', 'system/*.*',
    `patient/Condition.rs?clinical-status=active&category=${PROBLEM}`, 'launch', 'launch/patient', 'launch/list?role=https://example.org/r',
    'openid', 'fhirUser', 'profile', 'offline_access', 'online_access', '__profilePhoto.manage',
  ];
  for (const text of texts) assert.equal(formatScope(parseScope(text) as ParsedScope, 'requested'), text);
  assert.equal(formatScope(resource('patient/*.read')), 'patient/*.rs');
  assert.equal(formatScope(resource('user/Observation.write')), 'user/Observation.cud');
  assert.equal(formatScope(resource('system/*.*')), 'system/*.cruds');
  assert.equal(formatScope(resource('system/*.*'), 'v2'), 'system/*.cruds');
  // A v1-flagged scope whose interactions v1 cannot spell falls back to v2.
  assert.equal(formatScope({ ...resource('patient/*.read'), interactions: ['r'] }, 'requested'), 'patient/*.r');
});

test('parseScope never throws', () => {
  const alphabet = ['patient', 'user', 'system', 'launch', '/', '.', '*', '?', '&', '=', ',', '|', 'Observation', 'cruds', 'read', 'rs', ':', '%', 'é', ' ', '\\'];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 3000; i++) {
    let text = '';
    for (let n = next() % 8; n >= 0; n--) text += alphabet[next() % alphabet.length];
    const scope = parseScope(text);
    if (scope) assert.equal(parseScope(formatScope(scope, 'requested'))?.kind, scope.kind, text);
  }
});
