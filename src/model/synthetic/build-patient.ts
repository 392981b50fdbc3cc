import type { Resource } from '../fhir-types.js';
import type { Reference } from './build-datatypes.js';
import { thoConcept } from './build-datatypes.js';
import { MRN_SYSTEM, SYSTEM } from './code-systems.js';

export interface PatientInput {
  id: string;
  mrn: string;
  given: string[];
  family: string;
  gender: 'female' | 'male';
  birthDate: string;
  address: { line: string; city: string; state: string; postalCode: string };
  phone: string;
  email?: string;
  maritalStatus: { code: string; display: string };
  language: { code: string; display: string };
  practitioner: Reference;
  organization: Reference;
}

/** Patient demographics as a US EHR registers them: MRN (v2-0203 MR), home contact, PCP. */
export function buildPatient(p: PatientInput): Resource {
  const telecom: Record<string, string>[] = [{ system: 'phone', value: p.phone, use: 'home' }];
  if (p.email) telecom.push({ system: 'email', value: p.email, use: 'home' });
  return {
    resourceType: 'Patient',
    id: p.id,
    identifier: [{
      use: 'usual',
      type: thoConcept(SYSTEM.identifierType, 'MR', 'Medical record number'),
      system: MRN_SYSTEM,
      value: p.mrn,
    }],
    active: true,
    name: [{ use: 'official', family: p.family, given: p.given }],
    telecom,
    gender: p.gender,
    birthDate: p.birthDate,
    address: [{ use: 'home', type: 'physical', line: [p.address.line], city: p.address.city, state: p.address.state, postalCode: p.address.postalCode, country: 'US' }],
    maritalStatus: thoConcept(SYSTEM.maritalStatus, p.maritalStatus.code, p.maritalStatus.display),
    communication: [{ language: { coding: [{ system: SYSTEM.bcp47, code: p.language.code, display: p.language.display }], text: p.language.display }, preferred: true }],
    generalPractitioner: [p.practitioner],
    managingOrganization: p.organization,
  };
}
