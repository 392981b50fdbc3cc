import { extractSearchIndex, patientCompartmentParams, type Resource } from '../model/index.js';

/**
 * The patient whose record a resource belongs to (R4 Patient CompartmentDefinition): the Patient
 * itself, or the first patient its compartment parameters point to; undefined for resources in no
 * patient's compartment (a Medication, a Practitioner, a Subscription).
 */
export function patientOfResource(resource: Resource, fhirBase: string): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const params = patientCompartmentParams(resource.resourceType);
  if (params.length === 0) return undefined;
  const index = extractSearchIndex(resource, { localBase: fhirBase, only: params });
  return index.references.find((r) => params.includes(r.param) && r.targetType === 'Patient' && r.targetId)?.targetId ?? undefined;
}
