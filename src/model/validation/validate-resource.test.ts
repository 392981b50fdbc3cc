import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { validateResource } from './index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

const patient = () => ({
  resourceType: 'Patient',
  id: 'example',
  meta: { versionId: '1', lastUpdated: '2024-01-01T00:00:00Z' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Peter</div>' },
  identifier: [{ use: 'usual', system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
  active: true,
  name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
  telecom: [{ system: 'phone', value: '(03) 5555 6473', use: 'work' }],
  gender: 'male',
  birthDate: '1974-12-25',
  address: [{ use: 'home', line: ['534 Erewhon St'], city: 'PleasantVille' }],
  contact: [{ name: { family: 'du Marché' }, gender: 'female' }],
});

const condition = () => ({
  resourceType: 'Condition',
  id: 'example',
  clinicalStatus: { coding: [{ system: CLINICAL, code: 'active' }] },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '39065001', display: 'Burn of ear' }], text: 'Burnt Ear' },
  subject: { reference: 'Patient/example' },
  onsetDateTime: '2012-05-24',
});

/** The only issue, checked for the fields every issue must carry. */
function only(issues: OperationOutcomeIssue[]): OperationOutcomeIssue {
  assert.equal(issues.length, 1, JSON.stringify(issues));
  return issues[0] as OperationOutcomeIssue;
}

function assertWellFormed(issues: OperationOutcomeIssue[]) {
  for (const found of issues) {
    assert.equal(found.severity, 'error');
    assert.ok(found.code, JSON.stringify(found));
    assert.ok(found.diagnostics, JSON.stringify(found));
    assert.equal(found.expression?.length, 1, JSON.stringify(found));
  }
}

describe('validateResource: valid resources', () => {
  it('accepts a typical Patient and Condition', () => {
    assert.deepEqual(validateResource(patient()), []);
    assert.deepEqual(validateResource(condition()), []);
  });

  it('accepts the Subscriptions, topics and notification Bundles of the shared fixtures', () => {
    // Their known defects (fixtures/README.md) are against the Backport IG profiles or the
    // file encoding (a BOM, stripped here), not against base R4.
    const folder = '/work/shared/fixtures/subscriptions';
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
      const resource: unknown = JSON.parse(readFileSync(`${folder}/${file}`, 'utf8').replace(/^\uFEFF/, ''));
      assert.deepEqual(validateResource(resource), [], file);
    }
  });

  it('accepts a primitive array with extensions on some values (the one place null is allowed)', () => {
    const resource = { resourceType: 'Patient', name: [{ given: ['a', 'b'], _given: [null, { extension: [{ url: 'http://x', valueString: 'y' }] }] }] };
    assert.deepEqual(validateResource(resource), []);
  });

  it('accepts references the target check cannot read (urn:uuid, absolute)', () => {
    const withSubject = (reference: string) => ({ ...condition(), subject: { reference } });
    assert.deepEqual(validateResource(withSubject('urn:uuid:4f2b1f8e-1111-2222-3333-444455556666')), []);
    assert.deepEqual(validateResource(withSubject('https://other.example/fhir/Patient/1')), []);
  });
});

describe('validateResource: structure (Medplum) with exact expressions', () => {
  it('reports an unknown element', () => {
    const found = only(validateResource({ ...patient(), foo: 1 }));
    assert.equal(found.code, 'structure');
    assert.deepEqual(found.expression, ['Patient.foo']);
    assert.match(found.diagnostics ?? '', /Unknown element "foo"/);
  });

  it('reports a wrong type at the indexed element', () => {
    const resource = { ...patient(), name: [{ given: ['a'] }, { given: ['b', 1] }] };
    const found = only(validateResource(resource));
    assert.equal(found.code, 'structure');
    assert.deepEqual(found.expression, ['Patient.name[1].given[1]']);
    assert.match(found.diagnostics ?? '', /expected string, but got number/);
  });

  it('reports a missing required element', () => {
    const { subject: _, ...withoutSubject } = condition();
    const found = only(validateResource(withoutSubject));
    assert.equal(found.code, 'required');
    assert.deepEqual(found.expression, ['Condition.subject']);
    assert.match(found.diagnostics ?? '', /Missing required element Condition\.subject/);
  });

  it('reports a missing required element inside the right repetition', () => {
    const resource = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, component: [{ code: { text: 'a' } }, { valueString: 'b' }] };
    assert.deepEqual(only(validateResource(resource)).expression, ['Observation.component[1].code']);
  });

  it('reports a bad date format with the value', () => {
    const found = only(validateResource({ ...patient(), birthDate: '1974-13-45' }));
    assert.equal(found.code, 'value');
    assert.deepEqual(found.expression, ['Patient.birthDate']);
    assert.match(found.diagnostics ?? '', /Invalid date format.*"1974-13-45"/);
  });

  it('reports a bad id format (Medplum does not check Resource.id)', () => {
    const found = only(validateResource({ ...patient(), id: 'not an id' }));
    assert.equal(found.code, 'value');
    assert.deepEqual(found.expression, ['Patient.id']);
    assert.deepEqual(only(validateResource({ ...patient(), id: 'x'.repeat(65) })).expression, ['Patient.id']);
  });

  it('names the actual property of a choice element, not value[x]', () => {
    const resource = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: '1' } };
    assert.deepEqual(only(validateResource(resource)).expression, ['Observation.valueQuantity.value']);
  });

  it('follows a primitive into its extensions, as FHIRPath does', () => {
    const resource = { ...patient(), _birthDate: { extension: [{ url: 'http://x', valueString: 5 }] } };
    assert.deepEqual(only(validateResource(resource)).expression, ['Patient.birthDate.extension[0].valueString']);
  });

  it('reports two types of one choice element as an error', () => {
    const resource = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a', valueInteger: 1 };
    const found = only(validateResource(resource));
    assert.equal(found.code, 'structure');
    assert.match(found.diagnostics ?? '', /valueInteger and valueString|valueString and valueInteger/);
  });

  it('reports a reference to a resource type the element does not allow', () => {
    const found = only(validateResource({ ...condition(), subject: { reference: 'Practitioner/1' } }));
    assert.deepEqual(found.expression, ['Condition.subject']);
    assert.match(found.diagnostics ?? '', /Practitioner.*expected Patient, Group/);
  });

  it('reports a string where an object belongs once, at that element', () => {
    const found = only(validateResource({ ...patient(), name: ['Peter'] }));
    assert.deepEqual(found.expression, ['Patient.name[0]']);
    assert.match(found.diagnostics ?? '', /expected an object, but got string/);
  });

  it('validates resources inside a Bundle, with their paths', () => {
    const { subject: _, ...withoutSubject } = condition();
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient() }, { resource: withoutSubject }] };
    assert.deepEqual(only(validateResource(bundle)).expression, ['Bundle.entry[1].resource.subject']);
  });
});

describe('validateResource: required bindings', () => {
  it("rejects gender 'alien'", () => {
    const found = only(validateResource({ ...patient(), gender: 'alien' }));
    assert.equal(found.code, 'code-invalid');
    assert.deepEqual(found.expression, ['Patient.gender']);
    assert.match(found.diagnostics ?? '', /"alien".*http:\/\/hl7\.org\/fhir\/ValueSet\/administrative-gender/);
  });

  it("rejects clinicalStatus 'zzz' of the condition-clinical system, at the coding's code", () => {
    const resource = { ...condition(), clinicalStatus: { coding: [{ system: 'http://example.org/local', code: 'whatever' }, { system: CLINICAL, code: 'zzz' }] } };
    const found = only(validateResource(resource));
    assert.equal(found.code, 'code-invalid');
    assert.deepEqual(found.expression, ['Condition.clinicalStatus.coding[1].code']);
    assert.match(found.diagnostics ?? '', /"zzz".*http:\/\/hl7\.org\/fhir\/ValueSet\/condition-clinical/);
  });

  it('checks codes inside data types, backbone elements, extensions and contained resources', () => {
    const resource = {
      ...patient(),
      name: [{ use: 'nickname' }, { use: 'bogus', family: 'x' }],
      contact: [{ name: { family: 'x' }, gender: 'other' }, { name: { family: 'y' }, gender: 'x' }],
      extension: [{ url: 'http://x', valueQuantity: { value: 1, comparator: '~' } }],
      contained: [{ resourceType: 'Patient', id: 'c1', gender: 'y' }],
    };
    const issues = validateResource(resource);
    assertWellFormed(issues);
    assert.deepEqual(issues.map((i) => i.expression?.[0]).sort(), [
      'Patient.contact[1].gender',
      'Patient.contained[0].gender',
      'Patient.extension[0].valueQuantity.comparator',
      'Patient.name[1].use',
    ]);
    assert.ok(issues.every((i) => i.code === 'code-invalid'));
  });

  it('follows nested backbone definitions (Questionnaire.item.item)', () => {
    const resource = { resourceType: 'Questionnaire', status: 'active', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'bogus' }] }] };
    assert.deepEqual(only(validateResource(resource)).expression, ['Questionnaire.item[0].item[0].type']);
  });

  it('leaves value sets it cannot enumerate alone (BCP-13 mime types)', () => {
    const resource = { ...patient(), photo: [{ contentType: 'application/x-made-up' }] };
    assert.deepEqual(validateResource(resource), []);
  });
});

describe('validateResource: odd input', () => {
  it('rejects what is not a JSON object or not an R4 resource type', () => {
    for (const input of [null, 'Patient', 42, [patient()]]) assert.equal(only(validateResource(input)).code, 'structure');
    assert.deepEqual(only(validateResource({ resourceType: 'Alien' })).expression, ['resourceType']);
    assert.match(only(validateResource({ resourceType: 'Alien' })).diagnostics ?? '', /Unknown resourceType "Alien"/);
    assert.match(only(validateResource({ name: [] })).diagnostics ?? '', /Missing resourceType/);
    assert.equal(only(validateResource({ resourceType: 'DomainResource' })).code, 'invalid');
  });

  it('answers one issue for 10,000 nested extensions instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = { url: 'http://x', valueString: 'leaf' };
    for (let i = 0; i < 10_000; i++) deep = { url: 'http://x', extension: [deep] };
    const found = only(validateResource({ resourceType: 'Patient', extension: [deep] }));
    assert.equal(found.code, 'structure');
    assert.match(found.diagnostics ?? '', /^nesting too deep/);
  });

  it('reports null values', () => {
    assert.deepEqual(only(validateResource({ ...patient(), gender: null })).expression, ['Patient.gender']);
    const issues = validateResource({ ...patient(), name: [null], telecom: null });
    assertWellFormed(issues);
    assert.deepEqual(issues.map((i) => i.expression?.[0]).sort(), ['Patient.name[0]', 'Patient.telecom']);
  });

  it('reports empty strings, objects and arrays, and arrays in arrays', () => {
    const resource = { resourceType: 'Observation', status: '', code: {}, category: [], note: [[{ text: 'x' }]] };
    const issues = validateResource(resource);
    assertWellFormed(issues);
    assert.deepEqual(issues.map((i) => i.expression?.[0]), ['Observation.status', 'Observation.code', 'Observation.category', 'Observation.note[0]']);
  });

  it('reports Object.prototype names as unknown elements', () => {
    const issues = validateResource(JSON.parse('{"resourceType":"Patient","__proto__":{"x":1},"constructor":1}'));
    assert.deepEqual(issues.map((i) => i.expression?.[0]), ['Patient.__proto__', 'Patient.constructor']);
  });

  it('reports a nested resource without a known resourceType', () => {
    const issues = validateResource({ resourceType: 'Patient', contained: [{ id: 'a' }, { resourceType: 'Alien' }] });
    assert.deepEqual(issues.map((i) => i.expression?.[0]).sort(), ['Patient.contained[0]', 'Patient.contained[1]']);
  });

  it('never throws on input that crashes Medplum, and says where', () => {
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'a', part: [null, null, -1] }] };
    assert.ok(validateResource(parameters).some((i) => i.expression?.[0] === 'Parameters.parameter[0].part[2]'));
    const subscription = { resourceType: 'Subscription', status: 'active', reason: 'x', criteria: 'Patient', _criteria: [null], channel: { type: 'rest-hook' } };
    assert.deepEqual(only(validateResource(subscription)).expression, ['Subscription.criteria']);
    for (const input of [
      { resourceType: 'Patient', _gender: 'x', gender: 'male' },
      { resourceType: 'Patient', name: [[null]] },
      { resourceType: 'Patient', contact: [[-1]] },
      { resourceType: 'Patient', name: [{ family: () => 1 }] },
      { resourceType: 'Patient', birthDate: new Date() },
      { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: Number.NaN } },
    ]) {
      const issues = validateResource(input);
      assert.ok(issues.length > 0, JSON.stringify(input));
      assertWellFormed(issues);
    }
  });
});

describe('validateResource: mutation fuzzing', () => {
  it('answers well-formed issues and never throws for 2,000 damaged resources', () => {
    const junk: unknown[] = [null, [], {}, '', 'x', 0, -1, 1.5, true, [[1]], [null], { a: 1 }, { resourceType: 'Patient' }, { resourceType: 'Zz' }, [{}], Number.NaN, { coding: 'x' }, { coding: [null] }];
    const seeds: unknown[] = [patient(), condition(), { resourceType: 'Parameters', parameter: [{ name: 'a', part: [{ name: 'b', valueString: 'c' }] }] }];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n | 0;
    const paths = (value: unknown, path: string[] = [], into: string[][] = []): string[][] => {
      if (path.length > 0) into.push(path);
      if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) paths((value as Record<string, unknown>)[key], [...path, key], into);
      return into;
    };
    for (let round = 0; round < 2000; round++) {
      const resource = structuredClone(seeds[random(seeds.length)]) as Record<string, unknown>;
      const all = paths(resource);
      for (let m = 0; m <= random(3); m++) {
        const path = all[random(all.length)] ?? [];
        let parent: unknown = resource;
        for (const key of path.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[key];
        if (typeof parent === 'object' && parent !== null) (parent as Record<string, unknown>)[path[path.length - 1] as string] = structuredClone(junk[random(junk.length)]);
      }
      assertWellFormed(validateResource(resource));
    }
  });
});
