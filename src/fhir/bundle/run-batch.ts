import type { AccessContext } from '../../access/index.js';
import type { BundleEntry } from '../../model/index.js';
import { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { Dispatch, FhirResponse } from '../fhir-request.js';
import { entryError } from './entry-error.js';
import { entryBody, toEntryRequest } from './entry-request.js';
import { parseEntryUrl } from './entry-url.js';
import { resolveConditionalReferences } from './resolve-conditional-references.js';
import { refuseLocalReferences } from './rewrite-local-references.js';

/**
 * R4 §3.1.0.11.1 batch: each entry runs on its own, in request order, in its own store
 * transaction, as if it had been sent alone; a failure answers that entry's status and an
 * OperationOutcome in its response.outcome and leaves the others alone.
 */
export async function runBatch(ctx: FhirContext, entries: BundleEntry[], access: AccessContext, dispatch: Dispatch): Promise<FhirResponse[]> {
  const guard = new AccessGuard(ctx, access);
  const responses: FhirResponse[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const url = parseEntryUrl(entry.request!.url, ctx.fhirBase);
      const body = entryBody(entry);
      refuseLocalReferences(body);
      const unmatched = await resolveConditionalReferences(ctx.store, guard, body, new Map());
      if (unmatched) throw unmatched;
      responses.push(await dispatch(toEntryRequest(entry, url, body, access)));
    } catch (error) {
      const mapped = entryError(index, entry, error);
      if (mapped.status >= 500) ctx.log.error({ err: error }, `Batch entry ${index} failed`);
      responses.push({ status: mapped.status, body: mapped.outcome });
    }
  }
  return responses;
}
