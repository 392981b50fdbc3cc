/**
 * What the server says on a websocket besides notifications: an OperationOutcome (the FHIR way of
 * saying what went wrong and why), so a client tells it from a notification Bundle by resourceType.
 */
export function outcomeMessage(code: string, diagnostics: string, severity: 'error' | 'information' = 'error'): string {
  return JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] });
}
