import { fhirDateRange, invalid } from '../../model/index.js';

/** `_since` / `_at` take a FHIR instant or dateTime; the result is the precision interval. */
export function parseInstantParam(value: string, name: string): { low: number; high: number } {
  const range = fhirDateRange(value);
  if (!range) throw invalid(`${name} must be a FHIR date or instant, got "${value}"`, name);
  return range;
}
