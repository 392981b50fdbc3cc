import { issue, OperationOutcomeError } from '../outcome/index.js';

/**
 * A 400 `not-supported` OperationOutcome for search input that is valid FHIR but beyond this
 * server (terminology modifiers, deeper chains, wildcards), naming the parameter in `expression`
 * like every other search error (search.html#errors).
 */
export function unsupported(diagnostics: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(400, [issue('not-supported', diagnostics, parameter)]);
}
