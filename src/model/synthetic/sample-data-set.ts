import type { Resource } from '../fhir-types.js';
import { anchorCareTeam, anchorPatientRecord } from './example-anchors.js';
import { generatePatientRecord } from './generate-patient-record.js';
import { generateSharedResources } from './generate-shared-resources.js';

/** The seed of the generated part of the sample data set (ids `pat-2026-<n>`, `org-2026-<n>`…). */
export const SAMPLE_SEED = 2026;
export const SAMPLE_PATIENT_COUNT = 10;

/**
 * The small fixed data set loaded into an empty sandbox database: the documented anchors
 * (example-patient and its care team, see docs/sample-data.md) plus ten generated patients.
 * Every resource comes after the resources it references, so it can be loaded in order.
 */
export function sampleDataSet(): Resource[] {
  const generated: Resource[] = [];
  for (let i = 0; i < SAMPLE_PATIENT_COUNT; i++) generated.push(...generatePatientRecord(i, SAMPLE_SEED));
  return [...generateSharedResources(SAMPLE_SEED), ...anchorCareTeam(), ...anchorPatientRecord(SAMPLE_SEED), ...generated];
}
