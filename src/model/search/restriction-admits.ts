import { patientCompartmentParams } from '../definitions/index.js';
import { clauseMatchesIndex, type IndexedResource } from './clause-matches-index.js';
import type { RestrictionAlternative, SearchIndex, SearchRestriction } from './search-types.js';

/**
 * Does an access restriction admit this resource? The in-memory twin of the SQL that
 * storage/sql/compile-filter.ts compiles from the same restriction: any alternative (OR) whose
 * compartment holds the resource and whose clauses all match (AND). A clause that cannot be
 * evaluated in memory fails its alternative: a restriction is never ignored.
 */
export function restrictionAdmits(restriction: SearchRestriction, resourceType: string, resource: IndexedResource): boolean {
  return restriction.anyOf.some((alternative) => alternativeAdmits(alternative, resourceType, resource));
}

function alternativeAdmits(alternative: RestrictionAlternative, resourceType: string, resource: IndexedResource): boolean {
  if (alternative.compartment !== undefined && !inPatientCompartment(resourceType, resource.id, resource.index, alternative.compartment)) return false;
  return alternative.clauses.every((clause) => clauseMatchesIndex(clause, resource) === true);
}

/**
 * R4 Patient CompartmentDefinition, as compartment searches compile it: the Patient itself, or a
 * resource referencing the patient through one of its type's compartment parameters.
 */
export function inPatientCompartment(resourceType: string, id: string, index: SearchIndex, patientId: string): boolean {
  if (resourceType === 'Patient') return id === patientId;
  const params = patientCompartmentParams(resourceType);
  return index.references.some((r) => params.includes(r.param) && r.targetType === 'Patient' && r.targetId === patientId);
}
