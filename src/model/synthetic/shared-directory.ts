import { CITIES, FAMILY_NAMES, GIVEN_NAMES, MEDICATIONS, ORGANIZATION_NAMES, type CityEntry, type MedicationEntry } from './catalogs.js';
import { createRandom, seedFrom } from './random.js';

/**
 * The ids and names of the shared resources (Organizations, Practitioners, Medications) of one
 * seed, computed without building them: patient records reference them by id, and a patient
 * generated alone must agree with `generateSharedResources(seed)`. Ids carry the seed so that
 * data sets seeded differently never overwrite each other.
 */
export const ORGANIZATION_COUNT = 4;
export const PRACTITIONER_COUNT = 8;

export interface OrganizationProfile {
  id: string;
  name: string;
  city: CityEntry;
  npi: string;
}

export interface PractitionerProfile {
  id: string;
  given: string;
  family: string;
  gender: 'female' | 'male';
  display: string;
  npi: string;
  organization: OrganizationProfile;
}

export const organizationId = (seed: number, n: number): string => `org-${seed}-${n}`;
export const practitionerId = (seed: number, n: number): string => `prac-${seed}-${n}`;
export const medicationId = (seed: number, key: string): string => `med-${seed}-${key}`;

export const sharedMedications = (): MedicationEntry[] => MEDICATIONS.filter((m) => m.shared);

/** Organization n (1-based) of the seed: distinct names and towns, rotated by the seed. */
export function organizationProfile(seed: number, n: number): OrganizationProfile {
  const offset = seedFrom(seed, 'organizations') % ORGANIZATION_NAMES.length;
  const rng = createRandom(seedFrom(seed, 'organization', n));
  return {
    id: organizationId(seed, n),
    name: ORGANIZATION_NAMES[(offset + n) % ORGANIZATION_NAMES.length] as string,
    city: CITIES[(offset + n) % CITIES.length] as CityEntry,
    npi: npiFrom(`1${String(rng.int(0, 99_999_999)).padStart(8, '0')}`),
  };
}

/** Practitioner n (1-based) of the seed; practitioner n works at organization ((n - 1) mod count) + 1. */
export function practitionerProfile(seed: number, n: number): PractitionerProfile {
  const rng = createRandom(seedFrom(seed, 'practitioner', n));
  const gender = rng.chance(0.5) ? 'female' : 'male';
  const given = rng.pick(GIVEN_NAMES[gender]);
  const family = rng.pick(FAMILY_NAMES);
  return {
    id: practitionerId(seed, n),
    given,
    family,
    gender,
    display: `${given} ${family}, MD`,
    npi: npiFrom(`1${String(rng.int(0, 99_999_999)).padStart(8, '0')}`),
    organization: organizationProfile(seed, ((n - 1) % ORGANIZATION_COUNT) + 1),
  };
}

/**
 * Completes a 9-digit NPI stem with its check digit: the Luhn algorithm over the stem prefixed by
 * 80840 (CMS, "Requirements for NPI check digit", 2006). The numbers are well-formed, not issued.
 */
export function npiFrom(stem: string): string {
  const digits = `80840${stem}`;
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(digits[i]) * (double ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return `${stem}${(10 - (sum % 10)) % 10}`;
}
