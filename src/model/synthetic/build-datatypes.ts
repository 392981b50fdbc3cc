import type { Concept } from './catalogs.js';
import { SYSTEM } from './code-systems.js';

/** Small constructors for the FHIR R4 data types the generators repeat (R4 §2.24 Data Types). */
export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface CodeableConcept {
  coding: Coding[];
  text?: string;
}

export interface Reference {
  reference: string;
  display?: string;
}

export interface Quantity {
  value: number;
  unit: string;
  system: string;
  code: string;
}

export const coding = (system: string, concept: Concept): Coding => ({ system, code: concept.code, display: concept.display });

export const concept = (system: string, c: Concept, text?: string): CodeableConcept =>
  text === undefined ? { coding: [coding(system, c)] } : { coding: [coding(system, c)], text };

/** A CodeableConcept from a code of one of the HL7 terminology CodeSystems. */
export const thoConcept = (system: string, code: string, display: string): CodeableConcept => ({ coding: [{ system, code, display }] });

export const reference = (resourceType: string, id: string, display?: string): Reference =>
  display === undefined ? { reference: `${resourceType}/${id}` } : { reference: `${resourceType}/${id}`, display };

export const ucum = (value: number, unit: string, code: string): Quantity => ({ value, unit, system: SYSTEM.ucum, code });
