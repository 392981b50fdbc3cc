import { randomUUID } from 'node:crypto';

/** Server-assigned logical ids: UUIDs, valid FHIR ids (`[A-Za-z0-9\-\.]{1,64}`). */
export function newId(): string {
  return randomUUID();
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** FHIR R4 §2.24.0.1 (id datatype). */
export function isFhirId(value: string): boolean {
  return FHIR_ID.test(value);
}
