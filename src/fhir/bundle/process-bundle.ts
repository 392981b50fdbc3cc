import { newId } from '../../base/index.js';
import type { FhirContext } from '../fhir-context.js';
import type { Dispatch, FhirRequest, FhirResponse } from '../fhir-request.js';
import { checkBundle } from './check-bundle.js';
import { responseEntry } from './response-entry.js';
import { runBatch } from './run-batch.js';
import { runTransaction } from './run-transaction.js';
import { serializeBundle } from './serialize-bundle.js';

/**
 * R4 §3.1.0.11 batch and transaction: POST of a Bundle to the base. The answer is a
 * batch-response or transaction-response Bundle with one entry per request entry, in the same
 * order; a failed transaction answers a single OperationOutcome instead (run-transaction.ts).
 */
export async function processBundle(ctx: FhirContext, request: FhirRequest, dispatch: Dispatch): Promise<FhirResponse> {
  const { type, entries } = checkBundle(request.body, ctx.maxBundleEntries);
  const responses = type === 'transaction'
    ? await runTransaction(ctx, entries, request.access, dispatch)
    : await runBatch(ctx, entries, request.access, dispatch);
  const minimal = /return\s*=\s*minimal/i.test(request.headers.prefer ?? '');
  const body = serializeBundle({
    id: newId(),
    type: `${type}-response`,
    timestamp: ctx.clock.now().toISOString(),
    entry: responses.map((response) => responseEntry(response, minimal)),
  });
  return { status: 200, body };
}
