import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatScope } from './format-scope.js';
import { granularCategories } from './granular-categories.js';
import { isNarrowing } from './narrow-scopes.js';
import { parseScope } from './parse-scope.js';
import { permits } from './scope-covers.js';
import type { ParsedScope } from './scope-types.js';

const one = (text: string) => parseScope(text) as ParsedScope;

test('Condition: problem list, encounter diagnosis, health concern', () => {
  assert.deepEqual(granularCategories(one('patient/Condition.rs')).map((c) => formatScope(c.scope)), [
    'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
    'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
    'patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
  ]);
  assert.deepEqual(granularCategories(one('patient/Condition.rs'))[0], {
    system: 'http://terminology.hl7.org/CodeSystem/condition-category',
    code: 'problem-list-item',
    display: 'Problem List Item',
    scope: {
      kind: 'resource', level: 'patient', resourceType: 'Condition', interactions: ['r', 's'], syntax: 'v2',
      query: [['category', 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item']],
    },
  });
});

test('Observation: the nine observation-category codes', () => {
  const choices = granularCategories(one('patient/Observation.rs'));
  assert.deepEqual(choices.map((c) => c.code), ['vital-signs', 'laboratory', 'social-history', 'imaging', 'procedure', 'survey', 'exam', 'therapy', 'activity']);
  for (const choice of choices) {
    assert.equal(formatScope(choice.scope), `patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|${choice.code}`);
  }
});

test('every choice narrows the requested scope and permits only with its category', () => {
  for (const requested of ['patient/Condition.rs', 'user/Observation.cruds', 'patient/Condition.read']) {
    for (const choice of granularCategories(one(requested))) {
      assert.equal(isNarrowing([choice.scope], [one(requested)]), true, formatScope(choice.scope));
      assert.equal(isNarrowing([one(requested)], [choice.scope]), false, formatScope(choice.scope));
      const level = choice.scope.level;
      assert.deepEqual(permits([choice.scope], { levels: [level], resourceType: choice.scope.resourceType, interaction: 'r' }), {
        allowed: true,
        grants: [{ level, restrictions: [[['category', `${choice.system}|${choice.code}`]]] }],
      });
    }
  }
});

test('keeps the level and interactions; a v1 scope becomes v2', () => {
  const [first] = granularCategories(one('user/Observation.cruds'));
  assert.equal(first && formatScope(first.scope, 'requested'), 'user/Observation.cruds?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs');
  const [v1] = granularCategories(one('patient/Condition.read'));
  assert.equal(v1 && formatScope(v1.scope, 'requested'), 'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item');
});

test('no choices for other types, wildcards, scopes with a query, or non-resource scopes', () => {
  for (const text of ['patient/MedicationRequest.rs', 'patient/*.rs', 'patient/Condition.rs?category=x', 'openid', 'launch/patient', '__x', 'patient/toString.rs']) {
    const scope = parseScope(text);
    if (scope) assert.deepEqual(granularCategories(scope), [], text);
  }
});
