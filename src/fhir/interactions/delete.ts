import type { Visibility } from '../../access/index.js';
import { notFound } from '../../model/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { etagOf } from '../rest/http-headers.js';
import { storeDeletion } from '../write-path.js';
import { findConditionalTarget } from './conditional.js';

/**
 * R4 §3.1.0.7 delete: records a deletion version (history keeps every earlier one); a later read
 * answers 410. Deleting what is already deleted succeeds without a new version. A resource the
 * caller may not delete answers 404, as if unknown.
 */
export async function deleteResource(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string, id: string): Promise<FhirResponse> {
  const current = await tx.readCurrentForUpdate(type, id);
  await guard.checkVisible(tx, visibility, current);
  if (!current) throw notFound(`${type}/${id} is not known`);
  if (current.deleted) return { status: 204, etag: etagOf(current.versionId) };
  const written = await storeDeletion(ctx, tx, current);
  return { status: 204, etag: etagOf(written.versionId), headers: { etag: etagOf(written.versionId) } };
}

/** R4 §3.1.0.8.3 conditional delete (single-match mode): several matches → 412. */
export async function conditionalDelete(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, visibility: Visibility, type: string,
  query: [string, string][]): Promise<FhirResponse> {
  const match = await findConditionalTarget(tx, type, query, 'Conditional delete', ctx.fhirBase, visibility);
  if (!match) return { status: 204 };
  return deleteResource(ctx, tx, guard, visibility, type, match.id);
}
