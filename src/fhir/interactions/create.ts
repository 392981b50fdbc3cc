import type { Visibility } from '../../access/index.js';
import { newId } from '../../base/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { checkResourceBody, storeVersion } from '../write-path.js';
import { findConditionalTarget, serializeConditional } from './conditional.js';
import { ifNoneExistAnswer } from './if-none-exist-answer.js';
import { versionLocation, versionResponse } from './version-response.js';

/**
 * R4 §3.1.0.6 create. The server assigns the id (a client id in the body is ignored, as the spec
 * says; a transaction pre-assigns it to resolve `urn:uuid:` references). With `If-None-Exist` (§3.1.0.8.1): one match answers 200 with it and stores nothing;
 * several answer 412. The criteria only see what the caller may create (`visibility`), and the
 * new resource must be inside it too.
 */
export async function createResource(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, body: unknown,
  ifNoneExist: string | undefined, assignedId = newId()): Promise<FhirResponse> {
  const resource = checkResourceBody(body, type);
  if (ifNoneExist !== undefined) {
    await serializeConditional(tx, type, ifNoneExist);
    const match = await findConditionalTarget(tx, type, ifNoneExist, 'If-None-Exist', ctx.fhirBase, visibility);
    if (match) return ifNoneExistAnswer(ctx, tx, guard, match);
  }
  guard.checkWritable(visibility, { ...resource, id: assignedId }, 'c');
  const written = await storeVersion(ctx, tx, resource, assignedId, undefined);
  return versionResponse(201, written, versionLocation(ctx.fhirBase, written));
}
