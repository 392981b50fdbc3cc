import type { AccessContext } from '../../access/index.js';
import type { BundleEntry, OperationOutcomeError } from '../../model/index.js';
import { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { Dispatch, FhirResponse } from '../fhir-request.js';
import { entryError } from './entry-error.js';
import { PHASE, planTransaction, type PlannedEntry } from './plan-transaction.js';
import { resolveConditionalReferences } from './resolve-conditional-references.js';
import { rewriteLocalReferences } from './rewrite-local-references.js';

/**
 * R4 §3.1.0.11.2 transaction: all or nothing. Every entry runs in one store transaction; the
 * first failure rolls everything back and answers that entry's status with an OperationOutcome
 * naming it. Entries run in the spec's order (deletes, creates, updates/patches, reads — so reads
 * see the transaction's own writes) and the responses come back in request order.
 */
export async function runTransaction(ctx: FhirContext, entries: BundleEntry[], access: AccessContext, dispatch: Dispatch): Promise<FhirResponse[]> {
  const guard = new AccessGuard(ctx, access);
  const onEntry = async <T>(index: number, work: () => Promise<T> | T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const mapped = entryError(index, entries[index]!, error);
      if (mapped.status >= 500) ctx.log.error({ err: error }, `Transaction entry ${index} failed`);
      throw mapped;
    }
  };
  // Work other capabilities asked to run once the writes are durable (fhir-extensions.ts).
  const afterCommit: (() => Promise<void>)[] = [];
  const responses = await ctx.store.transaction(async (tx) => {
    const { planned, targets } = await planTransaction(ctx, tx, guard, entries, onEntry);
    for (const p of planned) p.request.afterCommit = afterCommit;
    for (const p of planned) await onEntry(p.index, () => rewriteLocalReferences(p.request.body, targets));
    const responses: FhirResponse[] = new Array(entries.length);
    const run = async (p: PlannedEntry) => {
      responses[p.index] = p.answer ?? await onEntry(p.index, () => dispatch(p.request, tx));
    };
    const byPhase = (a: PlannedEntry, b: PlannedEntry) => a.phase - b.phase || a.index - b.index;
    const writes = planned.filter((p) => p.phase !== PHASE.read).sort(byPhase);
    // Step 5, "resolve any conditional references", runs just before each write, inside the
    // transaction, so a reference may name a resource this transaction creates: an entry whose
    // reference matches nothing yet waits until the other writes are done, and fails only if a
    // whole round makes no progress — the result does not depend on the order of the entries.
    const cache = new Map<string, string>();
    let pending = writes;
    while (pending.length > 0) {
      const waiting: [PlannedEntry, OperationOutcomeError][] = [];
      for (const p of pending) {
        const unmatched = await onEntry(p.index, () => resolveConditionalReferences(tx, guard, p.request.body, cache));
        if (unmatched) waiting.push([p, unmatched]);
        else await run(p);
      }
      if (waiting.length === pending.length) {
        const [p, error] = waiting[0]!;
        throw entryError(p.index, p.entry, error);
      }
      pending = waiting.map(([p]) => p);
    }
    for (const p of planned.filter((p) => p.phase === PHASE.read)) await run(p);
    return responses;
  });
  for (const work of afterCommit) await work();
  return responses;
}
