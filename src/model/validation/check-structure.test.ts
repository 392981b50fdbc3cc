import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { validateResource } from './validate-resource.js';

/** `code expression` of every issue, sorted. */
function found(resource: unknown): string[] {
  return validateResource(resource).map((i: OperationOutcomeIssue) => `${i.code} ${i.expression?.[0] ?? ''}`).sort();
}

const observation = (more: Record<string, unknown> = {}) => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...more });
const extension = (value: Record<string, unknown>) => ({ resourceType: 'Patient', extension: [{ url: 'http://example.org/x', ...value }] });

describe('checkStructure: element names (R4 §2.6.2 json.html)', () => {
  it('knows the choice types an element allows, and nothing else', () => {
    assert.deepEqual(found(observation({ valueQuantity: { value: 1 } })), []);
    assert.deepEqual(found(observation({ valueReference: { reference: 'Patient/1' } })), ['structure Observation.valueReference']);
    assert.deepEqual(found(observation({ value: 'x' })), ['structure Observation.value']);
  });

  it('accepts `_` partners of primitives only, at the primitive\'s FHIRPath', () => {
    assert.deepEqual(found({ resourceType: 'Patient', birthDate: '2000', _birthDate: { extension: [{ url: 'http://x', valueCode: 'y' }] } }), []);
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ family: 'x' }], _name: [{ id: 'a' }] }), ['structure Patient._name']);
    assert.deepEqual(found({ resourceType: 'Patient', _birthDate: { colour: 1 } }), ['invariant Patient.birthDate', 'structure Patient.birthDate.colour']);
  });

  it('knows resourceType only on resources', () => {
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ resourceType: 'HumanName', family: 'x' }] }), ['structure Patient.name[0].resourceType']);
  });

  it('follows inline elements, content references and nested resources', () => {
    const item = { linkId: '1', type: 'group', item: [{ type: 'string' }] };
    assert.deepEqual(found({ resourceType: 'Questionnaire', status: 'active', item: [item] }), ['required Questionnaire.item[0].item[0].linkId']);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [{ url: 'http://x', valueTiming: { repeat: { colour: 1, count: 1 } } }] }), ['structure Patient.extension[0].valueTiming.repeat.colour']);
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'a', part: [{ name: 'b', valueDate: 'x' }] }, { name: 'c', resource: { resourceType: 'Patient', colour: 1 } }] };
    assert.deepEqual(found(parameters), ['structure Parameters.parameter[1].resource.colour', 'value Parameters.parameter[0].part[0].valueDate']);
    assert.deepEqual(found({ resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o', active: 'yes' }] }), ['structure Patient.contained[0].active']);
  });
});

describe('checkStructure: JSON types and cardinality', () => {
  it('wants arrays exactly for repeating elements', () => {
    assert.deepEqual(found({ resourceType: 'Patient', gender: ['male'] }), ['structure Patient.gender']);
    assert.deepEqual(found({ resourceType: 'Patient', name: { family: 'x' } }), ['structure Patient.name']);
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ given: 'x' }] }), ['structure Patient.name[0].given']);
    assert.deepEqual(found({ resourceType: 'Patient', managingOrganization: [{ reference: 'Organization/1' }] }), ['structure Patient.managingOrganization']);
  });

  it('wants the JSON type of each primitive and objects for data types', () => {
    assert.deepEqual(found({ resourceType: 'Patient', active: 'true', birthDate: 2000, name: ['x'], multipleBirthInteger: '2' }), [
      'structure Patient.active', 'structure Patient.birthDate', 'structure Patient.multipleBirthInteger', 'structure Patient.name[0]',
    ]);
    assert.deepEqual(found(observation({ valueQuantity: { value: '1' } })), ['structure Observation.valueQuantity.value']);
  });

  it('wants required elements, which a primitive may carry by its extensions alone', () => {
    assert.deepEqual(found({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' } }), ['required MedicationRequest.medication[x]']);
    const absent = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    assert.deepEqual(found({ resourceType: 'Observation', _status: absent, code: { text: 'x' } }), []);
  });

  it('lines a primitive array up with its partner, null filling the gaps', () => {
    const ext = { extension: [{ url: 'http://x', valueString: 'y' }] };
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ given: ['a', null], _given: [null, ext] }] }), []);
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ given: ['a', null] }] }), ['structure Patient.name[0].given[1]']);
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ _given: [ext, null] }] }), ['structure Patient.name[0].given[1]']);
  });
});

describe('checkStructure: choices, references, formats', () => {
  it('allows one type per choice element, and a partner of that type', () => {
    assert.deepEqual(found(observation({ valueString: 'a', valueInteger: 1 })), ['structure Observation.valueInteger']);
    assert.deepEqual(found(observation({ valueQuantity: { value: 1 }, _valueString: { extension: [{ url: 'http://x', valueString: 'y' }] } })), ['structure Observation.valueString']);
  });

  it('checks the target type of literal and conditional references', () => {
    const condition = (reference: string) => ({ resourceType: 'Condition', subject: { reference } });
    for (const ok of ['Patient/1', 'Group/1/_history/2', '#c1', 'urn:uuid:0b0e7c9a-3c1b-4c8e-9a53-1d1c2b3a4f5e', 'https://example.org/fhir/Practitioner/1']) assert.deepEqual(found(condition(ok)), [], ok);
    for (const bad of ['Practitioner/1', 'Device?identifier=x']) assert.deepEqual(found(condition(bad)), ['value Condition.subject'], bad);
    assert.deepEqual(found(extension({ valueReference: { reference: 'Practitioner/1' } })), []);
  });

  it('checks formats with the exact element', () => {
    assert.deepEqual(found(observation({ effectiveInstant: '2020-01-01', issued: '2020-01-01T10:00:00Z', valueQuantity: { value: 1.5 } })), ['value Observation.effectiveInstant']);
    assert.deepEqual(found({ resourceType: 'Patient', multipleBirthInteger: 1.5, photo: [{ size: -1, url: 'a b' }] }), [
      'value Patient.multipleBirthInteger', 'value Patient.photo[0].size', 'value Patient.photo[0].url',
    ]);
    assert.deepEqual(found({ resourceType: 'Patient', text: { status: 'generated', div: '<p>x</p>' } }), ['value Patient.text.div']);
  });
});

describe('checkStructure: ele-1 and ext-1, and the IssueTypes the write path maps to a status', () => {
  it('wants every element to have a value or children (ele-1)', () => {
    assert.deepEqual(found({ resourceType: 'Patient', name: [{ id: 'a' }] }), ['invariant Patient.name[0]']);
    assert.deepEqual(found({ resourceType: 'Patient', _birthDate: { id: 'a' } }), ['invariant Patient.birthDate']);
    assert.deepEqual(found({ resourceType: 'Patient', birthDate: '2000', _birthDate: { id: 'a' } }), []);
  });

  it('wants an extension to have a value or extensions, not both (ext-1), and a url', () => {
    assert.deepEqual(found(extension({})), ['invariant Patient.extension[0]']);
    assert.deepEqual(found(extension({ valueString: 'a', extension: [{ url: 'http://y', valueString: 'b' }] })), ['invariant Patient.extension[0]']);
    assert.deepEqual(found(extension({ extension: [{ url: 'http://y', valueString: 'b' }] })), []);
    assert.deepEqual(found({ resourceType: 'Patient', modifierExtension: [{ valueString: 'a' }] }), ['required Patient.modifierExtension[0].url']);
  });

  it('keeps 400 for malformed content and 422 for rules of the profile', () => {
    const codes = (resource: unknown) => [...new Set(validateResource(resource).map((i) => i.code))];
    assert.deepEqual(codes({ resourceType: 'Patient', colour: 1 }), ['structure']);
    assert.deepEqual(codes({ resourceType: 'Patient', birthDate: '1974-13' }), ['value']);
    assert.deepEqual(codes({ resourceType: 'Condition' }), ['required']);
    assert.deepEqual(codes({ resourceType: 'Patient', gender: 'alien' }), ['code-invalid']);
    assert.deepEqual(codes(extension({})), ['invariant']);
  });
});
