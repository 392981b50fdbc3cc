import type { Resource } from '../fhir-types.js';
import { ALLERGIES, ENCOUNTER_TYPES, LABS, VACCINES, VITALS, chronicConditionByKey, medicationByKey } from './catalogs.js';
import { buildAllergy } from './build-allergy.js';
import { buildCondition, conditionCode } from './build-condition.js';
import { reference, thoConcept } from './build-datatypes.js';
import { buildEncounter } from './build-encounter.js';
import { buildImmunization } from './build-immunization.js';
import { buildMedicationRequest } from './build-medication-resources.js';
import { buildBloodPressure, buildLabResult, buildVitalSign, type ObservationContext } from './build-observation.js';
import { buildPatient } from './build-patient.js';
import { SYSTEM } from './code-systems.js';
import { medicationId, npiFrom } from './shared-directory.js';

/**
 * Hand-named resources with ids that documentation, tests and demo launches can rely on (see
 * docs/sample-data.md). Eleanor Whitfield is a 67-year-old with type 2 diabetes and hypertension on
 * metformin and lisinopril, seen by Dr. Samuel Okafor at Beacon Hill Primary Care, and currently in
 * clinic (example-encounter is in progress) — the context an EHR launch needs.
 */
export const ANCHOR_IDS = {
  organization: 'example-organization',
  practitioner: 'example-practitioner',
  patient: 'example-patient',
  encounter: 'example-encounter',
  pastEncounter: 'example-encounter-checkup',
  diabetes: 'example-condition-diabetes',
  hypertension: 'example-condition-hypertension',
  metformin: 'example-medreq-metformin',
  lisinopril: 'example-medreq-lisinopril',
  allergy: 'example-allergy-penicillin',
  bloodPressure: 'example-obs-blood-pressure',
  weight: 'example-obs-weight',
  height: 'example-obs-height',
  bmi: 'example-obs-bmi',
  hba1c: 'example-obs-hba1c',
  creatinine: 'example-obs-creatinine',
  influenza: 'example-imm-influenza',
} as const;

const A = ANCHOR_IDS;
const organization = reference('Organization', A.organization, 'Beacon Hill Primary Care');
const practitioner = reference('Practitioner', A.practitioner, 'Samuel Okafor, MD');
const patient = reference('Patient', A.patient);
const checkup = reference('Encounter', A.pastEncounter);

function penicillin() {
  const found = ALLERGIES.find((a) => a.substance.display === 'Penicillin');
  if (!found) throw new Error('penicillin is missing from the allergy catalog');
  return found;
}

/** The clinic and the physician: referenced by the anchor patient, so they come first. */
export function anchorCareTeam(): Resource[] {
  const address = { use: 'work', line: ['15 Staniford Street'], city: 'Boston', state: 'MA', postalCode: '02114', country: 'US' };
  return [
    {
      resourceType: 'Organization', id: A.organization, identifier: [{ system: SYSTEM.npi, value: npiFrom('123456789') }], active: true,
      type: [thoConcept(SYSTEM.organizationType, 'prov', 'Healthcare Provider')], name: 'Beacon Hill Primary Care',
      telecom: [{ system: 'phone', value: '(617) 555-0100', use: 'work' }], address: [address],
    },
    {
      resourceType: 'Practitioner', id: A.practitioner, identifier: [{ system: SYSTEM.npi, value: npiFrom('198765432') }], active: true,
      name: [{ use: 'official', family: 'Okafor', given: ['Samuel'], prefix: ['Dr.'], suffix: ['MD'] }],
      telecom: [{ system: 'phone', value: '(617) 555-0101', use: 'work' }], address: [address], gender: 'male',
    },
  ];
}

/** The anchor patient's chart; `sampleSeed` names the shared Medication metformin points at. */
export function anchorPatientRecord(sampleSeed: number): Resource[] {
  const diabetes = chronicConditionByKey('diabetes');
  const hypertension = chronicConditionByKey('hypertension');
  const metformin = medicationByKey('metformin-er-500');
  const at: ObservationContext = { patient, encounter: checkup, performer: practitioner, effective: '2025-06-17T14:05:00Z' };
  const lab: ObservationContext = { patient, encounter: checkup, effective: '2025-06-17T14:20:00Z' };
  return [
    buildPatient({
      id: A.patient, mrn: 'EX-000001', given: ['Eleanor', 'M.'], family: 'Whitfield', gender: 'female', birthDate: '1958-03-14',
      address: { line: '41 Chestnut Street', city: 'Boston', state: 'MA', postalCode: '02108' }, phone: '(617) 555-0142',
      email: 'eleanor.whitfield@example.com', maritalStatus: { code: 'M', display: 'Married' },
      language: { code: 'en-US', display: 'English (United States)' }, practitioner, organization,
    }),
    buildEncounter({
      id: A.pastEncounter, status: 'finished', type: ENCOUNTER_TYPES.checkUp, patient, practitioner, organization,
      start: '2025-06-17T14:00:00Z', end: '2025-06-17T14:40:00Z',
    }),
    buildEncounter({
      id: A.encounter, status: 'in-progress', type: ENCOUNTER_TYPES.followUp, patient, practitioner, organization,
      start: '2025-12-30T14:30:00Z', reason: conditionCode(diabetes),
    }),
    buildCondition({ id: A.diabetes, entry: diabetes, category: 'problem-list-item', patient, recorder: practitioner, onset: '2016-09-08', recorded: '2016-09-08' }),
    buildCondition({ id: A.hypertension, entry: hypertension, category: 'problem-list-item', patient, recorder: practitioner, onset: '2012-04-23', recorded: '2012-05-02' }),
    buildMedicationRequest({
      id: A.metformin, entry: metformin, medication: reference('Medication', medicationId(sampleSeed, metformin.key), metformin.rxnorm.display),
      patient, encounter: checkup, requester: practitioner, authoredOn: '2025-06-17T14:40:00Z', reasons: [reference('Condition', A.diabetes)],
    }),
    buildMedicationRequest({
      id: A.lisinopril, entry: medicationByKey('lisinopril-10'), patient, encounter: checkup, requester: practitioner,
      authoredOn: '2025-06-17T14:40:00Z', reasons: [reference('Condition', A.hypertension)],
    }),
    buildAllergy({ id: A.allergy, entry: penicillin(), patient, recorder: practitioner, recorded: '2012-05-02' }),
    buildBloodPressure(A.bloodPressure, 138, 86, at),
    buildVitalSign(A.height, VITALS.height, 163, at),
    buildVitalSign(A.weight, VITALS.weight, 79.4, at),
    buildVitalSign(A.bmi, VITALS.bmi, 29.9, at),
    buildLabResult(A.hba1c, LABS.hba1c, 7.4, '2025-06-18T09:12:00Z', lab),
    buildLabResult(A.creatinine, LABS.creatinine, 0.92, '2025-06-18T09:12:00Z', lab),
    buildImmunization({ id: A.influenza, vaccine: VACCINES.influenza, patient, occurrence: '2025-10-07', doseNumber: 1 }),
  ];
}
