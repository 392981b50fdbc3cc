import type { Resource } from '../fhir-types.js';
import type { LabEntry, MeasureEntry } from './catalogs.js';
import { VITALS } from './catalogs.js';
import { concept, thoConcept, ucum, type CodeableConcept, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

export interface ObservationContext {
  patient: Reference;
  encounter?: Reference;
  performer?: Reference;
  effective: string;
}

const VITAL_SIGNS = thoConcept(SYSTEM.observationCategory, 'vital-signs', 'Vital Signs');
const LABORATORY = thoConcept(SYSTEM.observationCategory, 'laboratory', 'Laboratory');

function base(id: string, category: CodeableConcept, code: CodeableConcept, c: ObservationContext) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [category],
    code,
    subject: c.patient,
    ...(c.encounter ? { encounter: c.encounter } : {}),
    effectiveDateTime: c.effective,
    ...(c.performer ? { performer: [c.performer] } : {}),
  };
}

/** A single-valued vital sign (R4 Vital Signs profile: category vital-signs, LOINC code, UCUM unit). */
export function buildVitalSign(id: string, measure: MeasureEntry, value: number, c: ObservationContext): Resource {
  return { ...base(id, VITAL_SIGNS, concept(SYSTEM.loinc, measure.loinc, measure.loinc.display), c), valueQuantity: ucum(value, measure.unit, measure.ucum) };
}

/** The blood pressure panel 85354-9: no value of its own, systolic and diastolic as components. */
export function buildBloodPressure(id: string, systolic: number, diastolic: number, c: ObservationContext): Resource {
  const component = (m: MeasureEntry, value: number) => ({ code: concept(SYSTEM.loinc, m.loinc, m.loinc.display), valueQuantity: ucum(value, m.unit, m.ucum) });
  return {
    ...base(id, VITAL_SIGNS, concept(SYSTEM.loinc, VITALS.bloodPressure.loinc, 'Blood pressure'), c),
    component: [component(VITALS.systolic, systolic), component(VITALS.diastolic, diastolic)],
  };
}

function interpretation(lab: LabEntry, value: number): CodeableConcept {
  if (lab.low !== undefined && value < lab.low) return thoConcept(SYSTEM.observationInterpretation, 'L', 'Low');
  if (lab.high !== undefined && value > lab.high) return thoConcept(SYSTEM.observationInterpretation, 'H', 'High');
  return thoConcept(SYSTEM.observationInterpretation, 'N', 'Normal');
}

/** A laboratory result with its reference interval and H/L/N interpretation. */
export function buildLabResult(id: string, lab: LabEntry, value: number, issued: string, c: ObservationContext): Resource {
  const range: Record<string, unknown> = {};
  if (lab.low !== undefined) range.low = ucum(lab.low, lab.unit, lab.ucum);
  if (lab.high !== undefined) range.high = ucum(lab.high, lab.unit, lab.ucum);
  return {
    ...base(id, LABORATORY, concept(SYSTEM.loinc, lab.loinc, lab.text), c),
    issued,
    valueQuantity: ucum(value, lab.unit, lab.ucum),
    interpretation: [interpretation(lab, value)],
    referenceRange: [range],
  };
}
