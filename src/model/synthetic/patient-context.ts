import type { ChronicConditionEntry, ConditionEntry } from './catalogs.js';
import type { Reference } from './build-datatypes.js';
import type { Random } from './random.js';

/** One ambulatory visit of a synthetic patient (instants in ms since the epoch). */
export interface Visit {
  id: string;
  ref: Reference;
  start: number;
  end: number;
  kind: 'checkUp' | 'followUp' | 'symptom';
  /** The self-limited problem that brought the patient in (symptom visits). */
  acute?: ConditionEntry;
  /** The chronic problem reviewed (follow-up visits). */
  focus?: ChronicConditionEntry;
}

/**
 * What the generators of one patient record share. Built per call: generating a patient never
 * reads or writes anything outside its own context, which is what makes records independent of
 * the order (or subset) in which they are generated.
 */
export interface PatientContext {
  rng: Random;
  nextId(prefix: string): string;
  patient: Reference;
  practitioner: Reference;
  organization: Reference;
  gender: 'female' | 'male';
  age: number;
  heightCm: number;
  bmi: number;
  chronic: ChronicConditionEntry[];
  has(conditionKey: string): boolean;
  /** Oldest first. */
  visits: Visit[];
}

/** Readable child ids: `<prefix>-<seed>-<index>-<n>`, n counting from 1 per prefix. */
export function childIdFactory(recordKey: string): (prefix: string) => string {
  const counters = new Map<string, number>();
  return (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}-${recordKey}-${n}`;
  };
}
