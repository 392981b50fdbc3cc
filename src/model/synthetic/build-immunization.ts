import type { Resource } from '../fhir-types.js';
import type { VaccineEntry } from './catalogs.js';
import { concept, thoConcept, ucum, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

export interface ImmunizationInput {
  id: string;
  vaccine: VaccineEntry;
  patient: Reference;
  occurrence: string;
  /** Given at one of the patient's visits: the visit, the vaccinator and the lot are known. */
  administered?: { encounter: Reference; performer: Reference; lotNumber: string; site: 'LA' | 'RA' };
  doseNumber: number;
}

/**
 * A completed vaccination (R4 Immunization). Doses given elsewhere and reported later (for
 * example read from a state registry) have primarySource false and no performer.
 */
export function buildImmunization(i: ImmunizationInput): Resource {
  const a = i.administered;
  return {
    resourceType: 'Immunization',
    id: i.id,
    status: 'completed',
    vaccineCode: concept(SYSTEM.cvx, i.vaccine.cvx, i.vaccine.cvx.display),
    patient: i.patient,
    ...(a ? { encounter: a.encounter } : {}),
    occurrenceDateTime: i.occurrence,
    primarySource: a !== undefined,
    ...(a ? {
      lotNumber: a.lotNumber,
      site: thoConcept(SYSTEM.actSite, a.site, a.site === 'LA' ? 'left arm' : 'right arm'),
      route: thoConcept(SYSTEM.routeOfAdministration, 'IM', 'Injection, intramuscular'),
      doseQuantity: ucum(0.5, 'mL', 'mL'),
      performer: [{ function: thoConcept('http://terminology.hl7.org/CodeSystem/v2-0443', 'AP', 'Administering Provider'), actor: a.performer }],
    } : {}),
    protocolApplied: [{ doseNumberPositiveInt: i.doseNumber }],
  };
}
