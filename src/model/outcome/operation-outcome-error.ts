import type { OperationOutcome, OperationOutcomeIssue } from '../fhir-types.js';

/**
 * The one error type of the FHIR surface: an HTTP status plus the OperationOutcome that explains
 * it. Handlers throw it; the FHIR plugin's error handler renders it.
 */
export class OperationOutcomeError extends Error {
  override name = 'OperationOutcomeError';

  constructor(
    readonly status: number,
    readonly issues: OperationOutcomeIssue[],
  ) {
    super(issues.map((issue) => issue.diagnostics ?? issue.code).join('; '));
  }

  get outcome(): OperationOutcome {
    return outcomeOf(this.issues);
  }
}

export function outcomeOf(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function issue(code: string, diagnostics: string, expression?: string | string[], severity: OperationOutcomeIssue['severity'] = 'error'): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) result.expression = Array.isArray(expression) ? expression : [expression];
  return result;
}
