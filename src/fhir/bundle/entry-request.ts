import type { AccessContext } from '../../access/index.js';
import type { BundleEntry } from '../../model/index.js';
import { invalid, notSupported } from '../../model/index.js';
import type { FhirRequest } from '../fhir-request.js';
import type { EntryUrl } from './entry-url.js';

const JSON_PATCH = 'application/json-patch+json';

/**
 * Turns a Bundle entry into a FhirRequest for the ordinary handlers. It carries the Bundle
 * request's access, so each entry is checked on its own (App Launch 2.2 §"Batches and
 * Transactions": "validated based on the actual requests within them").
 */
export function toEntryRequest(entry: BundleEntry, url: EntryUrl, body: unknown, access: AccessContext): FhirRequest {
  const request = entry.request!;
  return {
    method: request.method as FhirRequest['method'],
    path: url.path,
    query: url.query,
    headers: {
      'if-match': request.ifMatch,
      'if-none-exist': request.ifNoneExist,
      'if-none-match': request.ifNoneMatch,
      'content-type': request.method === 'PATCH' ? JSON_PATCH : 'application/fhir+json',
    },
    body,
    access,
  };
}

/**
 * The body an entry's request carries: its resource, or for PATCH the patch document. R4
 * §3.1.0.11: inside a Bundle a JSON Patch travels as a Binary whose base64 `data` is the patch.
 * FHIRPath Patch (a Parameters resource) is not supported here or on the REST API.
 */
export function entryBody(entry: BundleEntry): unknown {
  if (entry.request!.method !== 'PATCH') return entry.resource;
  const resource = entry.resource as { resourceType?: string; contentType?: string; data?: unknown } | undefined;
  if (resource?.resourceType === 'Parameters') {
    throw notSupported('FHIRPath Patch (Parameters) is not supported: send a Binary holding an application/json-patch+json document', 415);
  }
  if (resource?.resourceType !== 'Binary') throw invalid('A PATCH entry carries its JSON Patch as a Binary resource (base64 data)', 'resource');
  if (resource.contentType !== undefined && !resource.contentType.startsWith(JSON_PATCH)) {
    throw notSupported(`PATCH takes ${JSON_PATCH}, not ${resource.contentType}`, 415);
  }
  if (typeof resource.data !== 'string') throw invalid('The PATCH Binary has no data', 'resource.data');
  try {
    return JSON.parse(Buffer.from(resource.data, 'base64').toString('utf8'));
  } catch {
    throw invalid('The PATCH Binary data is not base64-encoded JSON', 'resource.data');
  }
}
