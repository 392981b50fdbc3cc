import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExpression } from './resolve-expression.js';

describe('resolveExpression', () => {
  const patient = {
    resourceType: 'Patient',
    name: [{ family: 'a' }, { family: 'b', given: ['x'] }],
    contact: [{ name: { family: 'c' } }],
    birthDate: '2000',
    _birthDate: { extension: [{ url: 'u', valueCode: 'x' }] },
    extension: [{ url: 'u', valueQuantity: { value: 1 } }],
  };

  it('adds the index of a one-element array', () => {
    assert.equal(resolveExpression('Patient.contact.name.family', patient).expression, 'Patient.contact[0].name.family');
  });

  it('locates the one repetition that has (or lacks) the element', () => {
    assert.equal(resolveExpression('Patient.name.given', patient).expression, 'Patient.name[1].given');
    assert.equal(resolveExpression('Patient.name.given[0]', patient).expression, 'Patient.name[1].given[0]');
    assert.equal(resolveExpression('Patient.name.given', patient, { missing: true }).expression, 'Patient.name[0].given');
  });

  it('leaves an ambiguous step as it is', () => {
    assert.equal(resolveExpression('Patient.name.family', patient).expression, 'Patient.name.family');
  });

  it('names the choice property present, also behind a primitive', () => {
    assert.equal(resolveExpression('Patient.extension[0].value[x].value', patient).expression, 'Patient.extension[0].valueQuantity.value');
    const resolved = resolveExpression('Patient.birthDate.extension[0].value[x]', patient);
    assert.equal(resolved.expression, 'Patient.birthDate.extension[0].valueCode');
    assert.equal(resolved.value, 'x');
  });

  it('keeps paths of another root as they are', () => {
    assert.equal(resolveExpression('HumanName.given', patient).expression, 'HumanName.given');
  });
});
