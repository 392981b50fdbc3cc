import type { Visibility } from '../../access/index.js';
import { newId } from '../../base/index.js';
import { invalid, preconditionFailed } from '../../model/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { versionFromEtag } from '../rest/http-headers.js';
import { checkResourceBody, readCurrentForWrite, storeVersion } from '../write-path.js';
import { findConditionalTarget, serializeConditional } from './conditional.js';
import { versionLocation, versionResponse } from './version-response.js';

/**
 * R4 §3.1.0.4 update, including create-on-update with a client-chosen id, and §3.1.0.5
 * version-aware updates: `If-Match` with a stale version answers 412 and changes nothing.
 * Access: the stored version must be one the caller may update (404 otherwise, as if unknown)
 * and so must the new one (403).
 */
export async function updateResource(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, id: string, body: unknown,
  ifMatch: string | undefined): Promise<FhirResponse> {
  const resource = checkResourceBody(body, type);
  if (resource.id === undefined) throw invalid('The resource must carry an id equal to the one in the URL', `${type}.id`);
  if (resource.id !== id) throw invalid(`The resource id "${resource.id}" differs from the URL's "${id}"`, `${type}.id`);
  return writeUpdate(ctx, tx, guard, visibility, type, id, resource, ifMatch);
}

/** R4 §3.1.0.8.2 conditional update: no match creates, one match updates it, several → 412. */
export async function conditionalUpdate(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, query: [string, string][],
  body: unknown, ifMatch: string | undefined): Promise<FhirResponse> {
  const resource = checkResourceBody(body, type);
  await serializeConditional(tx, type, query);
  const match = await findConditionalTarget(tx, type, query, 'Conditional update', ctx.fhirBase, visibility);
  if (match && resource.id !== undefined && resource.id !== match.id) {
    throw invalid(`The resource id "${resource.id}" differs from the matching resource ${type}/${match.id}`, `${type}.id`);
  }
  return writeUpdate(ctx, tx, guard, visibility, type, match?.id ?? resource.id ?? newId(), resource, ifMatch);
}

async function writeUpdate(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, id: string,
  resource: Parameters<typeof storeVersion>[2], ifMatch: string | undefined): Promise<FhirResponse> {
  const current = await readCurrentForWrite(tx, type, id);
  await guard.checkVisible(tx, visibility, current);
  guard.checkWritable(visibility, { ...resource, id }, 'u');
  if (ifMatch !== undefined) {
    const expected = versionFromEtag(ifMatch);
    if (expected === undefined) throw invalid(`If-Match "${ifMatch}" is not a version ETag such as W/"3"`);
    if (!current || current.deleted || current.versionId !== expected) {
      throw preconditionFailed(`${type}/${id} is at version ${current && !current.deleted ? current.versionId : 'none'}, not ${expected}`);
    }
  }
  const written = await storeVersion(ctx, tx, resource, id, current);
  return versionResponse(written.created ? 201 : 200, written, versionLocation(ctx.fhirBase, written));
}
