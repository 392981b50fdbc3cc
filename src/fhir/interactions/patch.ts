import fastJsonPatch from 'fast-json-patch';
import type { Visibility } from '../../access/index.js';
import type { Resource } from '../../model/index.js';
import { invalid, notSupported, preconditionFailed } from '../../model/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { versionFromEtag } from '../rest/http-headers.js';
import { checkResourceBody, storeVersion } from '../write-path.js';
import { existing } from './read.js';
import { versionLocation, versionResponse } from './version-response.js';

/**
 * R4 §3.1.0.5.1 patch with JSON Patch (RFC 6902), applied by fast-json-patch. The patched result
 * is validated like any update; `id` and `resourceType` may not change. Access as for update:
 * the stored version 404 when not the caller's to update, the patched one 403.
 */
export async function patchResource(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, id: string, body: unknown,
  contentType: string, ifMatch: string | undefined): Promise<FhirResponse> {
  if (!contentType.startsWith('application/json-patch+json')) {
    throw notSupported(`PATCH takes application/json-patch+json, not ${contentType || 'no content type'}`, 415);
  }
  if (!Array.isArray(body)) throw invalid('A JSON Patch document is an array of operations');
  const stored = await tx.readCurrentForUpdate(type, id);
  await guard.checkVisible(tx, visibility, stored);
  const current = existing(stored, type, id);
  if (ifMatch !== undefined && versionFromEtag(ifMatch) !== current.versionId) {
    throw preconditionFailed(`${type}/${id} is at version ${current.versionId}, not ${ifMatch}`);
  }
  const document = JSON.parse(current.json!) as Resource;
  let patched: Resource;
  try {
    const error = fastJsonPatch.validate(body as fastJsonPatch.Operation[], document);
    if (error) throw error;
    patched = fastJsonPatch.applyPatch(document, body as fastJsonPatch.Operation[], false, false).newDocument;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw invalid(`The JSON Patch cannot be applied: ${reason}`, undefined, 422);
  }
  if (patched.id !== id || patched.resourceType !== type) throw invalid('A patch may not change id or resourceType', undefined, 422);
  const resource = checkResourceBody(patched, type);
  guard.checkWritable(visibility, resource, 'u');
  const written = await storeVersion(ctx, tx, resource, id, current);
  return versionResponse(200, written, versionLocation(ctx.fhirBase, written));
}
