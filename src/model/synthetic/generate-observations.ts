import type { Resource } from '../fhir-types.js';
import { LABS, VITALS, type LabKey } from './catalogs.js';
import { buildBloodPressure, buildLabResult, buildVitalSign, type ObservationContext } from './build-observation.js';
import type { PatientContext, Visit } from './patient-context.js';
import { addMinutes, fhirDateTime } from './reference-date.js';

const FEBRILE = new Set(['bronchitis', 'pharyngitis', 'sinusitis', 'uti', 'otitis-media']);
const BASIC_PANEL: LabKey[] = ['glucose', 'creatinine', 'sodium', 'potassium'];
const LIPID_PANEL: LabKey[] = ['cholesterol', 'hdl', 'ldl', 'triglycerides'];

/**
 * Vital signs at every visit and laboratory results at check-ups and follow-ups. Values come from
 * per-patient baselines shaped by the problem list (hypertension raises blood pressure, diabetes
 * the HbA1c, CKD the creatinine…), so a chart reads coherently.
 */
export function generateObservations(ctx: PatientContext): Resource[] {
  const { rng } = ctx;
  const htn = ctx.has('hypertension');
  const systolic = htn ? rng.int(128, 148) : rng.int(104, 126);
  const diastolic = htn ? rng.int(78, 92) : rng.int(62, 80);
  const pulse = ctx.has('atrial-fibrillation') ? rng.int(72, 98) : rng.int(58, 84);
  const saturation = ctx.has('copd') ? rng.int(91, 95) : rng.int(96, 99);
  const heightM = ctx.heightCm / 100;
  const weight = ctx.bmi * heightM * heightM;

  const resources: Resource[] = [];
  ctx.visits.forEach((visit, i) => {
    const at: ObservationContext = { patient: ctx.patient, encounter: visit.ref, performer: ctx.practitioner, effective: fhirDateTime(addMinutes(visit.start, 5)) };
    const fever = visit.acute !== undefined && FEBRILE.has(visit.acute.key) && rng.chance(0.5);
    const kg = round(weight + rng.float(-1.5, 1.5), 1);
    resources.push(
      buildBloodPressure(ctx.nextId('obs'), systolic + rng.int(-6, 6), diastolic + rng.int(-4, 4), at),
      buildVitalSign(ctx.nextId('obs'), VITALS.heartRate, pulse + rng.int(-4, 4) + (fever ? 12 : 0), at),
      buildVitalSign(ctx.nextId('obs'), VITALS.respiratoryRate, rng.int(12, 18) + (fever ? 2 : 0), at),
      buildVitalSign(ctx.nextId('obs'), VITALS.temperature, fever ? rng.float(37.8, 38.7) : rng.float(36.4, 37.2), at),
      buildVitalSign(ctx.nextId('obs'), VITALS.oxygenSaturation, saturation, at),
    );
    if (i === 0) resources.push(buildVitalSign(ctx.nextId('obs'), VITALS.height, ctx.heightCm, at));
    resources.push(
      buildVitalSign(ctx.nextId('obs'), VITALS.weight, kg, at),
      buildVitalSign(ctx.nextId('obs'), VITALS.bmi, round(kg / (heightM * heightM), 1), at),
    );
    resources.push(...labResults(ctx, visit));
  });
  return resources;
}

function labsFor(ctx: PatientContext, visit: Visit): LabKey[] {
  if (visit.kind === 'symptom') return [];
  const problems = visit.kind === 'followUp' && visit.focus ? [visit.focus] : ctx.chronic;
  const keys = new Set<LabKey>(visit.kind === 'checkUp' ? BASIC_PANEL : []);
  if (visit.kind === 'checkUp' && ctx.age >= 40) LIPID_PANEL.forEach((k) => keys.add(k));
  for (const problem of problems) {
    for (const lab of problem.labs) (lab === 'lipids' ? LIPID_PANEL : [lab as LabKey]).forEach((k) => keys.add(k));
  }
  return [...keys];
}

function labResults(ctx: PatientContext, visit: Visit): Resource[] {
  const { rng } = ctx;
  const keys = labsFor(ctx, visit);
  if (keys.length === 0) return [];
  const drawn = addMinutes(visit.start, 20);
  const at: ObservationContext = { patient: ctx.patient, encounter: visit.ref, effective: fhirDateTime(drawn) };
  const issued = fhirDateTime(addMinutes(drawn, rng.int(90, 1440)));
  const values = labValues(ctx);
  return keys.map((key) => buildLabResult(ctx.nextId('obs'), LABS[key], round(values[key], LABS[key].decimals), issued, at));
}

/** One consistent set of results for a draw (total cholesterol = HDL + LDL + TG/5, Friedewald). */
function labValues(ctx: PatientContext): Record<LabKey, number> {
  const { rng } = ctx;
  const dm = ctx.has('diabetes');
  const ckd = ctx.has('ckd3');
  const hld = ctx.has('hyperlipidemia');
  const hdl = ctx.gender === 'female' ? rng.int(45, 80) : rng.int(35, 62);
  const ldl = hld ? rng.int(88, 168) : rng.int(62, 128);
  const triglycerides = hld || dm ? rng.int(120, 260) : rng.int(55, 165);
  return {
    hba1c: dm ? rng.float(6.4, 9.4) : rng.float(4.6, 5.9),
    glucose: dm ? rng.int(118, 212) : rng.int(72, 104),
    creatinine: ckd ? rng.float(1.4, 2.3, 2) : ctx.gender === 'female' ? rng.float(0.55, 1.0, 2) : rng.float(0.7, 1.25, 2),
    egfr: ckd ? rng.int(32, 58) : rng.int(62, 112),
    potassium: ckd ? rng.float(4.4, 5.4) : rng.float(3.6, 4.9),
    sodium: rng.int(136, 144),
    cholesterol: hdl + ldl + Math.round(triglycerides / 5),
    hdl,
    ldl,
    triglycerides,
    tsh: ctx.has('hypothyroidism') ? rng.float(0.8, 6.5, 2) : rng.float(0.5, 3.8, 2),
  };
}

const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals;
