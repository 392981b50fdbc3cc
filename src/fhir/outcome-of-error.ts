import { exception, invalid, issue, OperationOutcomeError, throttled } from '../model/index.js';
import { StorageBadQuery, StorageBusy, StorageConflict } from '../storage/index.js';

/**
 * Any error as the OperationOutcomeError the FHIR API answers. Storage kinds are mapped here once,
 * so a REST request and a Bundle entry report the same failure the same way; anything unexpected
 * becomes a generic 500 that leaks nothing.
 */
export function outcomeOfError(error: unknown): OperationOutcomeError {
  if (error instanceof OperationOutcomeError) return error;
  if (error instanceof StorageConflict) return new OperationOutcomeError(409, [issue('conflict', 'A concurrent change conflicted with this one; retry')]);
  if (error instanceof StorageBusy) return throttled('The database is busy; retry shortly');
  if (error instanceof StorageBadQuery) return invalid(error.message, error.parameter);
  return exception('Internal server error');
}
