import type { ResourceVersion, StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { versionLocation, versionResponse } from './version-response.js';

/**
 * R4 §3.1.0.8.1: a conditional create whose criteria match answers 200 with the match. Its body
 * is the stored resource only when the caller may read or search it; a create-only scope learns
 * the location, never the content.
 */
export async function ifNoneExistAnswer(ctx: FhirContext, db: StoreReader, guard: AccessGuard, match: ResourceVersion): Promise<FhirResponse> {
  const seeable = guard.seeable(match.resourceType);
  const readable = seeable !== undefined && (await guard.isVisible(db, seeable, match));
  return versionResponse(200, readable ? match : { ...match, json: null }, versionLocation(ctx.fhirBase, match));
}
