import { issue, outcomeOf } from '../../model/index.js';
import type { FhirResponse } from '../fhir-request.js';
import type { RawEntry } from './serialize-bundle.js';
import { statusLine } from './status-line.js';

/**
 * One entry of a batch-response or transaction-response (R4 §3.1.0.11): status, location, etag
 * and lastModified; the resource (left out of write entries under `Prefer: return=minimal`,
 * R4 §3.1.0.1.9); an error's OperationOutcome in response.outcome.
 */
export function responseEntry(response: FhirResponse, minimal: boolean): RawEntry {
  const entry: RawEntry = {};
  if (response.location) entry.fullUrl = response.location.replace(/\/_history\/[^/]+$/, '');
  const outcome = typeof response.body === 'object' && response.body.resourceType === 'OperationOutcome' ? response.body : undefined;
  if (response.body !== undefined && !outcome && !(minimal && response.location)) entry.resource = response.body;
  entry.response = {
    status: statusLine(response.status),
    ...(response.location ? { location: response.location } : {}),
    ...(response.etag ? { etag: response.etag } : {}),
    ...(response.lastModified ? { lastModified: response.lastModified } : {}),
    ...(outcome ? { outcome } : {}),
  };
  if (response.status >= 400 && !outcome) entry.response.outcome = outcomeOf([issue('exception', statusLine(response.status))]);
  return entry;
}
