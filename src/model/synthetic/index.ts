export { generatePatientRecord } from './generate-patient-record.js';
export { generateSharedResources } from './generate-shared-resources.js';
export { sampleDataSet, SAMPLE_SEED, SAMPLE_PATIENT_COUNT } from './sample-data-set.js';
export { ANCHOR_IDS } from './example-anchors.js';
export { REFERENCE_DATE } from './reference-date.js';
export { MRN_SYSTEM } from './code-systems.js';
export { findUnresolvedReferences } from './find-unresolved-references.js';
