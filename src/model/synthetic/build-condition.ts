import type { Resource } from '../fhir-types.js';
import type { ConditionEntry } from './catalogs.js';
import { coding, thoConcept, type CodeableConcept, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

export interface ConditionInput {
  id: string;
  entry: ConditionEntry;
  category: 'problem-list-item' | 'encounter-diagnosis';
  patient: Reference;
  /** Required for encounter diagnoses: the visit that made the diagnosis. */
  encounter?: Reference;
  recorder?: Reference;
  onset: string;
  recorded: string;
  abatement?: string;
}

const CATEGORY_DISPLAY = { 'problem-list-item': 'Problem List Item', 'encounter-diagnosis': 'Encounter Diagnosis' } as const;

/** Both codings a US chart carries: SNOMED CT for the clinical meaning, ICD-10-CM for billing. */
export const conditionCode = (entry: ConditionEntry): CodeableConcept =>
  ({ coding: [coding(SYSTEM.snomed, entry.snomed), coding(SYSTEM.icd10cm, entry.icd10)], text: entry.text });

/**
 * A Condition. R4 con-4: an abatement implies clinicalStatus inactive/resolved/remission, so a
 * condition with an abatement date is 'resolved' and one without is 'active'.
 */
export function buildCondition(c: ConditionInput): Resource {
  const resolved = c.abatement !== undefined;
  return {
    resourceType: 'Condition',
    id: c.id,
    clinicalStatus: thoConcept(SYSTEM.conditionClinical, resolved ? 'resolved' : 'active', resolved ? 'Resolved' : 'Active'),
    verificationStatus: thoConcept(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
    category: [thoConcept(SYSTEM.conditionCategory, c.category, CATEGORY_DISPLAY[c.category])],
    code: conditionCode(c.entry),
    subject: c.patient,
    ...(c.encounter ? { encounter: c.encounter } : {}),
    onsetDateTime: c.onset,
    ...(resolved ? { abatementDateTime: c.abatement } : {}),
    recordedDate: c.recorded,
    ...(c.recorder ? { recorder: c.recorder } : {}),
  };
}
