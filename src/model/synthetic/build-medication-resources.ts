import type { Resource } from '../fhir-types.js';
import type { MedicationEntry } from './catalogs.js';
import { concept, thoConcept, ucum, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

/** R4 Dosage: the sig as text plus its structured form (timing, route, ordered dose). */
export function buildDosage(m: MedicationEntry): Record<string, unknown> {
  const { frequency, period, periodMax, periodUnit, when, code } = m.timing;
  const repeat = { frequency, period, ...(periodMax === undefined ? {} : { periodMax }), periodUnit, ...(when ? { when: [...when] } : {}) };
  return {
    sequence: 1,
    text: m.instruction,
    timing: { repeat, code: thoConcept(SYSTEM.timingAbbreviation, code, code) },
    ...(m.asNeededFor ? { asNeededCodeableConcept: concept(SYSTEM.snomed, m.asNeededFor) } : { asNeededBoolean: false }),
    route: concept(SYSTEM.snomed, m.route),
    doseAndRate: [{ type: thoConcept(SYSTEM.doseRateType, 'ordered', 'Ordered'), doseQuantity: ucum(m.dose.value, m.dose.unit, m.dose.code) }],
  };
}

/** Days one fill lasts, for scheduled medications; undefined for as-needed ones. */
function daysSupply(m: MedicationEntry): number | undefined {
  if (m.asNeededFor) return undefined;
  const perDay = m.dose.value * m.timing.frequency * (m.timing.periodUnit === 'd' ? 1 / m.timing.period : 24 / m.timing.period);
  return Math.round(m.supply / perDay);
}

export interface MedicationRequestInput {
  id: string;
  entry: MedicationEntry;
  /** The shared Medication resource, when the drug has one; otherwise the drug is coded inline. */
  medication?: Reference;
  patient: Reference;
  encounter?: Reference;
  requester: Reference;
  authoredOn: string;
  reasons: Reference[];
}

/** An active outpatient prescription with three refills. */
export function buildMedicationRequest(r: MedicationRequestInput): Resource {
  const days = daysSupply(r.entry);
  return {
    resourceType: 'MedicationRequest',
    id: r.id,
    status: 'active',
    intent: 'order',
    category: [thoConcept(SYSTEM.medicationRequestCategory, 'outpatient', 'Outpatient')],
    ...(r.medication ? { medicationReference: r.medication } : { medicationCodeableConcept: concept(SYSTEM.rxnorm, r.entry.rxnorm, r.entry.rxnorm.display) }),
    subject: r.patient,
    ...(r.encounter ? { encounter: r.encounter } : {}),
    authoredOn: r.authoredOn,
    requester: r.requester,
    ...(r.reasons.length > 0 ? { reasonReference: r.reasons } : {}),
    dosageInstruction: [buildDosage(r.entry)],
    dispenseRequest: {
      numberOfRepeatsAllowed: 3,
      quantity: ucum(r.entry.supply, r.entry.dose.unit, r.entry.dose.code),
      ...(days === undefined ? {} : { expectedSupplyDuration: ucum(days, 'days', 'd') }),
    },
  };
}

export interface MedicationStatementInput {
  id: string;
  entry: MedicationEntry;
  patient: Reference;
  start: string;
  asserted: string;
  reasons: Reference[];
}

/** A medication the patient reports taking (typically over the counter), as told at a visit. */
export function buildMedicationStatement(s: MedicationStatementInput): Resource {
  return {
    resourceType: 'MedicationStatement',
    id: s.id,
    status: 'active',
    category: thoConcept(SYSTEM.medicationStatementCategory, 'patientspecified', 'Patient Specified'),
    medicationCodeableConcept: concept(SYSTEM.rxnorm, s.entry.rxnorm, s.entry.rxnorm.display),
    subject: s.patient,
    effectivePeriod: { start: s.start },
    dateAsserted: s.asserted,
    informationSource: s.patient,
    ...(s.reasons.length > 0 ? { reasonReference: s.reasons } : {}),
    dosage: [buildDosage(s.entry)],
  };
}
