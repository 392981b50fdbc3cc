import type { ResourceVersion } from '../../storage/index.js';
import type { FhirResponse } from '../fhir-request.js';
import { etagOf, httpDate, instant } from '../rest/http-headers.js';

/** A response carrying one stored version: body as stored, ETag, Last-Modified. */
export function versionResponse(status: number, version: Pick<ResourceVersion, 'resourceType' | 'id' | 'versionId' | 'lastUpdated' | 'json'>, location?: string): FhirResponse {
  const response: FhirResponse = {
    status,
    etag: etagOf(version.versionId),
    lastModified: instant(version.lastUpdated),
    headers: { etag: etagOf(version.versionId), 'last-modified': httpDate(version.lastUpdated) },
  };
  if (version.json !== null) {
    response.body = version.json;
    response.disclosed = [`${version.resourceType}/${version.id}/_history/${version.versionId}`];
  }
  if (location) {
    response.location = location;
    response.headers!.location = location;
  }
  return response;
}

export function versionLocation(fhirBase: string, version: { resourceType: string; id: string; versionId: number }): string {
  return `${fhirBase}/${version.resourceType}/${version.id}/_history/${version.versionId}`;
}
