import type { Resource } from '../fhir-types.js';
import type { AllergyEntry } from './catalogs.js';
import { concept, thoConcept, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

export interface AllergyInput {
  id: string;
  entry: AllergyEntry;
  patient: Reference;
  recorder: Reference;
  recorded: string;
}

/** A confirmed, active allergy with its substance (SNOMED CT) and typical manifestation. */
export function buildAllergy(a: AllergyInput): Resource {
  return {
    resourceType: 'AllergyIntolerance',
    id: a.id,
    clinicalStatus: thoConcept(SYSTEM.allergyClinical, 'active', 'Active'),
    verificationStatus: thoConcept(SYSTEM.allergyVerification, 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: [a.entry.category],
    criticality: a.entry.criticality,
    code: concept(SYSTEM.snomed, a.entry.substance, a.entry.substance.display),
    patient: a.patient,
    recordedDate: a.recorded,
    recorder: a.recorder,
    reaction: [{
      substance: concept(SYSTEM.snomed, a.entry.substance),
      manifestation: [concept(SYSTEM.snomed, a.entry.reaction, a.entry.reaction.display)],
      severity: a.entry.severity,
    }],
  };
}
