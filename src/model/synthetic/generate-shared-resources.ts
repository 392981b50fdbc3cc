import type { Resource } from '../fhir-types.js';
import { STREET_NAMES } from './catalogs.js';
import { concept, thoConcept } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';
import { createRandom, seedFrom } from './random.js';
import {
  ORGANIZATION_COUNT, PRACTITIONER_COUNT, medicationId, organizationProfile, practitionerProfile, sharedMedications,
  type OrganizationProfile,
} from './shared-directory.js';

/**
 * The resources every patient of a seed points at: a few clinics, their physicians and the most
 * prescribed drugs as Medication resources. Ordered so that referenced resources come first.
 */
export function generateSharedResources(seed: number): Resource[] {
  const organizations = Array.from({ length: ORGANIZATION_COUNT }, (_, i) => buildOrganization(seed, organizationProfile(seed, i + 1)));
  const practitioners = Array.from({ length: PRACTITIONER_COUNT }, (_, i) => buildPractitioner(seed, i + 1));
  const medications = sharedMedications().map((m): Resource => ({
    resourceType: 'Medication',
    id: medicationId(seed, m.key),
    code: concept(SYSTEM.rxnorm, m.rxnorm, m.rxnorm.display),
    status: 'active',
  }));
  return [...organizations, ...practitioners, ...medications];
}

function workAddress(seed: number, org: OrganizationProfile) {
  const rng = createRandom(seedFrom(seed, 'address', org.id));
  return {
    use: 'work',
    line: [`${rng.int(10, 990)} ${rng.pick(STREET_NAMES)}`],
    city: org.city.city,
    state: org.city.state,
    postalCode: org.city.postalCode,
    country: 'US',
  };
}

const workPhone = (org: OrganizationProfile, extension: number) =>
  ({ system: 'phone', value: `(${org.city.areaCode}) 555-01${String(extension % 100).padStart(2, '0')}`, use: 'work' });

function buildOrganization(seed: number, org: OrganizationProfile): Resource {
  return {
    resourceType: 'Organization',
    id: org.id,
    identifier: [{ system: SYSTEM.npi, value: org.npi }],
    active: true,
    type: [thoConcept(SYSTEM.organizationType, 'prov', 'Healthcare Provider')],
    name: org.name,
    telecom: [workPhone(org, seedFrom(org.id))],
    address: [workAddress(seed, org)],
  };
}

function buildPractitioner(seed: number, n: number): Resource {
  const p = practitionerProfile(seed, n);
  return {
    resourceType: 'Practitioner',
    id: p.id,
    identifier: [{ system: SYSTEM.npi, value: p.npi }],
    active: true,
    name: [{ use: 'official', family: p.family, given: [p.given], prefix: ['Dr.'], suffix: ['MD'] }],
    telecom: [workPhone(p.organization, seedFrom(p.id))],
    address: [workAddress(seed, p.organization)],
    gender: p.gender,
  };
}
