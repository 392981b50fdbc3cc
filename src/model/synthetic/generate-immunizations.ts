import type { Resource } from '../fhir-types.js';
import { VACCINES, type VaccineEntry } from './catalogs.js';
import { buildImmunization } from './build-immunization.js';
import type { PatientContext, Visit } from './patient-context.js';
import { DAY, addMinutes, daysBefore, fhirDate, fhirDateTime } from './reference-date.js';

/** Start of the 2025–26 influenza season (US vaccination campaigns begin in September). */
const FLU_SEASON_START = Date.UTC(2025, 8, 1);

/**
 * Adult immunization history roughly following the CDC adult schedule: this season's influenza
 * dose (given at a fall visit when there is one), a 2021 COVID-19 primary series, a tetanus
 * booster within ten years, PCV20 from 65 and the two-dose recombinant zoster series from 50.
 */
export function generateImmunizations(ctx: PatientContext): Resource[] {
  const { rng } = ctx;
  const resources: Resource[] = [];
  const give = (vaccine: VaccineEntry, instant: number, doseNumber: number, visit?: Visit) => {
    resources.push(buildImmunization({
      id: ctx.nextId('imm'),
      vaccine,
      patient: ctx.patient,
      occurrence: visit ? fhirDateTime(instant) : fhirDate(instant),
      administered: visit ? {
        encounter: visit.ref,
        performer: ctx.practitioner,
        lotNumber: `${String.fromCharCode(65 + rng.int(0, 25))}${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(1000, 9999)}`,
        site: rng.chance(0.5) ? 'LA' : 'RA',
      } : undefined,
      doseNumber,
    }));
  };

  if (rng.chance(ctx.age >= 65 ? 0.7 : 0.45)) {
    const fallVisit = ctx.visits.find((v) => v.start >= FLU_SEASON_START);
    if (fallVisit) give(VACCINES.influenza, addMinutes(fallVisit.start, 25), 1, fallVisit);
    else give(VACCINES.influenza, Date.UTC(2025, 9, rng.int(1, 28)), 1);
  }
  if (rng.chance(0.7)) {
    const first = Date.UTC(2021, rng.int(1, 6), rng.int(1, 28));
    give(VACCINES.covid19, first, 1);
    give(VACCINES.covid19, first + 21 * DAY, 2);
  }
  if (rng.chance(0.6)) give(rng.chance(0.7) ? VACCINES.tdap : VACCINES.td, daysBefore(rng.int(30, 3600)), 1);
  // Days since the patient reached the schedule's minimum age, so no dose predates eligibility.
  const sinceAge = (years: number, cap: number) => Math.max(1, Math.min(cap, (ctx.age - years) * 365));
  if (ctx.age >= 65 && rng.chance(0.5)) give(VACCINES.pcv20, daysBefore(30 + rng.int(0, sinceAge(65, 870))), 1);
  if (ctx.age >= 50 && rng.chance(0.35)) {
    const first = daysBefore(200 + rng.int(0, sinceAge(50, 1300)));
    give(VACCINES.zoster, first, 1);
    give(VACCINES.zoster, first + rng.int(60, 180) * DAY, 2);
  }
  return resources;
}
