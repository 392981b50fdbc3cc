import type { BundleEntry } from '../../model/index.js';
import type { FhirRequest } from '../fhir-request.js';

/** Turns a Bundle entry's `request` into a FhirRequest for the ordinary handlers. */
export function toEntryRequest(entry: BundleEntry, assignedId?: string): FhirRequest {
  const request = entry.request!;
  const url = request.url.replace(/^\/+/, '');
  const [path, query = ''] = url.split('?') as [string, string?];
  const headers: Record<string, string | undefined> = {
    'if-match': request.ifMatch,
    'if-none-exist': request.ifNoneExist,
    'if-none-match': request.ifNoneMatch,
    'content-type': request.method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json',
  };
  return {
    method: request.method as FhirRequest['method'],
    path: path.split('/').filter((s) => s.length > 0).map(decodeURIComponent),
    query: [...new URLSearchParams(query)],
    headers,
    body: request.method === 'PATCH' ? patchBody(entry) : entry.resource,
    ...(assignedId ? { assignedId } : {}),
  };
}

/** R4: a PATCH entry carries its JSON Patch as a Binary resource (base64 data). */
function patchBody(entry: BundleEntry): unknown {
  const resource = entry.resource as { resourceType?: string; data?: string } | undefined;
  if (resource?.resourceType === 'Binary' && typeof resource.data === 'string') {
    try {
      return JSON.parse(Buffer.from(resource.data, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
  }
  return resource;
}
