import { InsufficientScope, Unauthenticated } from '../access/index.js';
import { exception, invalid, issue, OperationOutcomeError, throttled } from '../model/index.js';
import { StorageBadQuery, StorageBusy, StorageConflict } from '../storage/index.js';

/**
 * Any error as the OperationOutcomeError the FHIR API answers. Storage kinds and the resource
 * server's refusals are mapped here once, so a REST request and a Bundle entry report the same
 * failure the same way; anything unexpected becomes a generic 500 that leaks nothing.
 */
export function outcomeOfError(error: unknown): OperationOutcomeError {
  if (error instanceof OperationOutcomeError) return error;
  // RFC 6750 §3.1: invalid_token / no token → 401; insufficient_scope → 403.
  if (error instanceof Unauthenticated) return new OperationOutcomeError(401, [issue('login', error.message)]);
  if (error instanceof InsufficientScope) return new OperationOutcomeError(403, [issue('forbidden', error.message)]);
  if (error instanceof StorageConflict) return new OperationOutcomeError(409, [issue('conflict', 'A concurrent change conflicted with this one; retry')]);
  if (error instanceof StorageBusy) return throttled('The database is busy; retry shortly');
  if (error instanceof StorageBadQuery) return invalid(error.message, error.parameter);
  return exception('Internal server error');
}

/**
 * RFC 6750 §3: the `WWW-Authenticate: Bearer` challenge that goes with a 401 or a scope 403. A
 * transaction that failed on an entry's scope has already become an OperationOutcome naming the
 * entry; it still gets the `insufficient_scope` challenge.
 */
export function bearerChallengeOf(error: unknown, mapped: OperationOutcomeError): string | undefined {
  if (error instanceof Unauthenticated || error instanceof InsufficientScope) return error.wwwAuthenticate;
  if (mapped.status === 403 && mapped.issues.every((it) => it.code === 'forbidden')) return 'Bearer realm="handover", error="insufficient_scope"';
  return undefined;
}
