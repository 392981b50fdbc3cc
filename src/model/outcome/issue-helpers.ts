import { OperationOutcomeError, issue } from './operation-outcome-error.js';

/*
 * Error constructors named after the FHIR IssueType codes (R4 valueset-issue-type), each with the
 * HTTP status the FHIR RESTful API specification (R4 §3.1.0.4 and the interaction pages) assigns.
 */
type Where = string | string[] | undefined;

export const invalid = (diagnostics: string, expression?: Where, status = 400) =>
  new OperationOutcomeError(status, [issue('invalid', diagnostics, expression)]);
export const structure = (diagnostics: string, expression?: Where) =>
  new OperationOutcomeError(400, [issue('structure', diagnostics, expression)]);
export const required = (diagnostics: string, expression?: Where) =>
  new OperationOutcomeError(400, [issue('required', diagnostics, expression)]);
export const valueError = (diagnostics: string, expression?: Where) =>
  new OperationOutcomeError(400, [issue('value', diagnostics, expression)]);
export const businessRule = (diagnostics: string, expression?: Where) =>
  new OperationOutcomeError(422, [issue('business-rule', diagnostics, expression)]);
export const notFound = (diagnostics: string) => new OperationOutcomeError(404, [issue('not-found', diagnostics)]);
export const deleted = (diagnostics: string) => new OperationOutcomeError(410, [issue('deleted', diagnostics)]);
export const conflict = (diagnostics: string, status = 409) => new OperationOutcomeError(status, [issue('conflict', diagnostics)]);
export const preconditionFailed = (diagnostics: string) => new OperationOutcomeError(412, [issue('conflict', diagnostics)]);
export const notSupported = (diagnostics: string, status = 400) => new OperationOutcomeError(status, [issue('not-supported', diagnostics)]);
export const tooLong = (diagnostics: string) => new OperationOutcomeError(413, [issue('too-long', diagnostics)]);
export const tooCostly = (diagnostics: string) => new OperationOutcomeError(400, [issue('too-costly', diagnostics)]);
export const multipleMatches = (diagnostics: string) => new OperationOutcomeError(412, [issue('multiple-matches', diagnostics)]);
export const forbidden = (diagnostics: string) => new OperationOutcomeError(403, [issue('forbidden', diagnostics)]);
export const throttled = (diagnostics: string) => new OperationOutcomeError(503, [issue('throttled', diagnostics)]);
export const exception = (diagnostics: string) => new OperationOutcomeError(500, [issue('exception', diagnostics)]);
