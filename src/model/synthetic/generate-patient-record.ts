import type { Resource } from '../fhir-types.js';
import {
  ACUTE_CONDITIONS, ALLERGIES, CHRONIC_CONDITIONS, ENCOUNTER_TYPES, FAMILY_NAMES, GIVEN_NAMES, MIDDLE_INITIALS, OBESITY,
  STREET_NAMES, medicationByKey, type Concept,
} from './catalogs.js';
import { buildAllergy } from './build-allergy.js';
import { buildCondition, conditionCode } from './build-condition.js';
import { reference, type Reference } from './build-datatypes.js';
import { buildEncounter } from './build-encounter.js';
import { buildMedicationRequest, buildMedicationStatement } from './build-medication-resources.js';
import { buildPatient } from './build-patient.js';
import { generateImmunizations } from './generate-immunizations.js';
import { generateObservations } from './generate-observations.js';
import { childIdFactory, type PatientContext, type Visit } from './patient-context.js';
import { createRandom, seedFrom, type Random } from './random.js';
import { DAY, REFERENCE_DATE, addMinutes, daysBefore, fhirDate, fhirDateTime } from './reference-date.js';
import { PRACTITIONER_COUNT, medicationId, practitionerProfile } from './shared-directory.js';

/**
 * Everything in the chart of synthetic patient `patientIndex` of `seed`: the Patient first, then
 * Encounters, Conditions, MedicationRequests, MedicationStatements, AllergyIntolerances,
 * Observations and Immunizations, so each resource follows the ones it references (the shared
 * Organizations, Practitioners and Medications of `generateSharedResources(seed)` come before
 * all). The same (index, seed) always gives the same resources, whatever else was generated.
 */
export function generatePatientRecord(patientIndex: number, seed: number): Resource[] {
  if (!Number.isSafeInteger(patientIndex) || patientIndex < 0) throw new RangeError(`patientIndex must be a non-negative integer, got ${patientIndex}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const rng = createRandom(seedFrom(seed, 'patient', patientIndex));
  const key = `${seed}-${patientIndex}`;
  const practitioner = practitionerProfile(seed, rng.int(1, PRACTITIONER_COUNT));
  const practitionerRef = reference('Practitioner', practitioner.id, practitioner.display);
  const organizationRef = reference('Organization', practitioner.organization.id, practitioner.organization.name);
  const patientId = `pat-${key}`;

  const gender = rng.chance(0.52) ? 'female' : 'male';
  const band = rng.weighted([[0, 0.4], [1, 0.35], [2, 0.25]] as const);
  const age = band === 0 ? rng.int(18, 44) : band === 1 ? rng.int(45, 64) : rng.int(65, 92);
  const given = rng.pick(GIVEN_NAMES[gender]);
  const family = rng.pick(FAMILY_NAMES);
  const middle = rng.chance(0.6) ? [rng.pick([...MIDDLE_INITIALS])] : [];
  const city = practitioner.organization.city;
  const patient = buildPatient({
    id: patientId,
    mrn: `${seed}-${String(patientIndex).padStart(6, '0')}`,
    given: [given, ...middle],
    family,
    gender,
    birthDate: fhirDate(daysBefore(Math.floor(age * 365.25) + rng.int(1, 364))),
    address: { line: `${rng.int(2, 998)} ${rng.pick(STREET_NAMES)}${rng.chance(0.3) ? `, Apt ${rng.int(1, 40)}` : ''}`, city: city.city, state: city.state, postalCode: city.postalCode },
    phone: `(${city.areaCode}) 555-01${String(rng.int(0, 99)).padStart(2, '0')}`,
    email: rng.chance(0.6) ? `${given}.${family}${rng.int(1, 99)}@example.com`.toLowerCase().replace(/'/g, '') : undefined,
    maritalStatus: rng.weighted(age < 30 ? MARITAL_YOUNG : MARITAL_ADULT),
    language: rng.chance(0.88) ? { code: 'en-US', display: 'English (United States)' } : { code: 'es', display: 'Spanish' },
    practitioner: practitionerRef,
    organization: organizationRef,
  });

  // Body habitus first: it decides the obesity problem and every weight and BMI measured later.
  const heightCm = Math.round(gender === 'female' ? normal(rng, 162, 7) : normal(rng, 176, 7.5));
  const bmi = Math.min(45, Math.max(18, normal(rng, 28, 5)));
  const chronic = CHRONIC_CONDITIONS.filter((c) => rng.chance(c.prevalence[band]));
  const problems = bmi >= 30 && rng.chance(0.75) ? [...chronic, OBESITY] : chronic;

  const ctx: PatientContext = {
    rng,
    nextId: childIdFactory(key),
    patient: reference('Patient', patientId),
    practitioner: practitionerRef,
    organization: organizationRef,
    gender,
    age,
    heightCm,
    bmi,
    chronic: problems,
    has: (k) => problems.some((c) => c.key === k),
    visits: [],
  };
  ctx.visits = scheduleVisits(ctx);

  const encounters = ctx.visits.map((v) => buildEncounter({
    id: v.id, status: 'finished', type: ENCOUNTER_TYPES[v.kind], patient: ctx.patient, practitioner: practitionerRef, organization: organizationRef,
    start: fhirDateTime(v.start), end: fhirDateTime(v.end),
    reason: v.acute ? conditionCode(v.acute) : v.focus ? conditionCode(v.focus) : undefined,
  }));
  const { resources: conditions, problemIds } = generateConditions(ctx);
  return [
    patient,
    ...encounters,
    ...conditions,
    ...generateMedications(ctx, seed, problemIds),
    ...generateAllergies(ctx),
    ...generateObservations(ctx),
    ...generateImmunizations(ctx),
  ];
}

const MARITAL_YOUNG: readonly (readonly [Concept, number])[] = [[{ code: 'S', display: 'Never Married' }, 0.7], [{ code: 'M', display: 'Married' }, 0.3]];
const MARITAL_ADULT: readonly (readonly [Concept, number])[] = [[{ code: 'M', display: 'Married' }, 0.55], [{ code: 'S', display: 'Never Married' }, 0.2], [{ code: 'D', display: 'Divorced' }, 0.15], [{ code: 'W', display: 'Widowed' }, 0.1]];

/** An approximately normal draw (Irwin–Hall sum of four uniforms), cheap and deterministic. */
function normal(rng: Random, mean: number, sd: number): number {
  const sum = rng.next() + rng.next() + rng.next() + rng.next();
  return mean + (sum - 2) * sd * Math.sqrt(3);
}

/** 1–3 clinic visits within the two years before the reference date, at least a week apart. */
function scheduleVisits(ctx: PatientContext): Visit[] {
  const { rng } = ctx;
  const slots = Array.from({ length: 50 }, (_, i) => 700 - i * 14);
  const days = rng.sample(slots, rng.int(1, 3)).map((d) => d - rng.int(0, 6));
  return days.map((daysAgo) => {
    // Clinic hours 08:00–16:30 US Eastern (13:00–21:30 UTC), in 15-minute slots.
    const start = daysBefore(daysAgo, 13 * 60 + 15 * rng.int(0, 34));
    const kind = rng.weighted<Visit['kind']>([['checkUp', 0.4], ['followUp', ctx.chronic.length > 0 ? 0.35 : 0], ['symptom', ctx.chronic.length > 0 ? 0.25 : 0.6]]);
    const id = ctx.nextId('enc');
    const visit: Visit = { id, ref: reference('Encounter', id), start, end: addMinutes(start, 15 + 5 * rng.int(0, 5)), kind };
    if (kind === 'symptom') visit.acute = rng.pick(ACUTE_CONDITIONS);
    if (kind === 'followUp') visit.focus = rng.pick(ctx.chronic);
    return visit;
  });
}

function generateConditions(ctx: PatientContext): { resources: Resource[]; problemIds: Map<string, string> } {
  const { rng } = ctx;
  const resources: Resource[] = [];
  const problemIds = new Map<string, string>();
  const maxYears = Math.max(1, Math.min(20, ctx.age - 18));
  for (const entry of ctx.chronic) {
    const id = ctx.nextId('cond');
    const onset = daysBefore(rng.int(365, maxYears * 365));
    problemIds.set(entry.key, id);
    resources.push(buildCondition({
      id, entry, category: 'problem-list-item', patient: ctx.patient, recorder: ctx.practitioner,
      onset: fhirDate(onset), recorded: fhirDate(onset + rng.int(0, 30) * DAY),
    }));
  }
  for (const visit of ctx.visits) {
    if (!visit.acute) continue;
    const abatement = visit.start + rng.int(7, 21) * DAY;
    resources.push(buildCondition({
      id: ctx.nextId('cond'), entry: visit.acute, category: 'encounter-diagnosis', patient: ctx.patient, encounter: visit.ref, recorder: ctx.practitioner,
      onset: fhirDate(visit.start - rng.int(1, 7) * DAY), recorded: fhirDateTime(visit.end),
      abatement: abatement < REFERENCE_DATE ? fhirDate(abatement) : undefined,
    }));
  }
  return { resources, problemIds };
}

/** Prescriptions for the chronic problems (renewed at the latest visit) and reported OTC drugs. */
function generateMedications(ctx: PatientContext, seed: number, problemIds: Map<string, string>): Resource[] {
  const { rng } = ctx;
  const reasonsByMed = new Map<string, Reference[]>();
  for (const problem of ctx.chronic) {
    if (problem.regimens.length === 0) continue;
    for (const key of rng.pick(problem.regimens)) {
      const reasons = reasonsByMed.get(key) ?? [];
      reasons.push(reference('Condition', problemIds.get(problem.key) as string));
      reasonsByMed.set(key, reasons);
    }
  }
  const latest = ctx.visits[ctx.visits.length - 1] as Visit;
  const requests = [...reasonsByMed].map(([key, reasons]) => {
    const entry = medicationByKey(key);
    return buildMedicationRequest({
      id: ctx.nextId('medreq'), entry, patient: ctx.patient, encounter: latest.ref, requester: ctx.practitioner,
      medication: entry.shared ? reference('Medication', medicationId(seed, key), entry.rxnorm.display) : undefined,
      authoredOn: fhirDateTime(latest.end), reasons,
    });
  });

  const reported: [string, Reference[]][] = [];
  const oaId = problemIds.get('osteoarthritis');
  if (oaId && rng.chance(0.7)) reported.push(['acetaminophen-325', [reference('Condition', oaId)]]);
  else if (!ctx.has('ckd3') && !ctx.has('atrial-fibrillation') && rng.chance(0.12)) reported.push(['ibuprofen-200', []]);
  if (ctx.age >= 50 && (ctx.has('diabetes') || ctx.has('hyperlipidemia')) && !ctx.has('atrial-fibrillation') && rng.chance(0.3)) reported.push(['aspirin-81', []]);
  const statements = reported.map(([key, reasons]) => buildMedicationStatement({
    id: ctx.nextId('medstmt'), entry: medicationByKey(key), patient: ctx.patient,
    start: fhirDate(daysBefore(rng.int(120, 2000))), asserted: fhirDateTime(latest.end), reasons,
  }));
  return [...requests, ...statements];
}

function generateAllergies(ctx: PatientContext): Resource[] {
  const { rng } = ctx;
  const count = rng.chance(0.3) ? (rng.chance(0.2) ? 2 : 1) : 0;
  return rng.sample(ALLERGIES, count).map((entry) => buildAllergy({
    id: ctx.nextId('allergy'), entry, patient: ctx.patient, recorder: ctx.practitioner,
    recorded: fhirDate(daysBefore(rng.int(30, 3000))),
  }));
}
