import type { FhirResource } from './fhir-reader.js';

/** The lists the registry keeps a copy of, and which resources belong in each. */
export type ListName = 'problems' | 'medications' | 'allergies';

/** The searches that read each list at referral time (patient/ scopes bound them to the patient anyway). */
export function listSearches(fhirBase: string, patientId: string): { list: ListName; url: string }[] {
  const patient = encodeURIComponent(patientId);
  return [
    { list: 'problems', url: `${fhirBase}/Condition?patient=${patient}&category=problem-list-item` },
    { list: 'medications', url: `${fhirBase}/MedicationRequest?patient=${patient}` },
    { list: 'medications', url: `${fhirBase}/MedicationStatement?patient=${patient}` },
    { list: 'allergies', url: `${fhirBase}/AllergyIntolerance?patient=${patient}` },
  ];
}

/**
 * Which list a resource belongs to now, or undefined when it is on none: a Condition leaves the
 * problem list when its category is no longer `problem-list-item` (the topic fires then too).
 */
export function listOf(resource: FhirResource): ListName | undefined {
  switch (resource.resourceType) {
    case 'Condition': {
      const categories = (resource.category as { coding?: { code?: string }[] }[] | undefined) ?? [];
      return categories.some((c) => c.coding?.some((coding) => coding.code === 'problem-list-item')) ? 'problems' : undefined;
    }
    case 'MedicationRequest':
    case 'MedicationStatement':
      return 'medications';
    case 'AllergyIntolerance':
      return 'allergies';
    default:
      return undefined;
  }
}

/** A line a person can read: the coded concept's text or first display, and the status. */
export function describe(resource: FhirResource): string {
  type Concept = { text?: string; coding?: { display?: string; code?: string }[] };
  const concept = (resource.code ?? resource.medicationCodeableConcept) as Concept | undefined;
  const reference = (resource.medicationReference as { display?: string; reference?: string } | undefined);
  const name = concept?.text ?? concept?.coding?.[0]?.display ?? concept?.coding?.[0]?.code ?? reference?.display ?? reference?.reference ?? `${resource.resourceType}/${resource.id}`;
  const status = (resource.clinicalStatus as Concept | undefined)?.coding?.[0]?.code ?? (typeof resource.status === 'string' ? resource.status : undefined);
  return status ? `${name} (${status})` : name;
}
