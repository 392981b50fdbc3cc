import { newId } from '../../base/index.js';
import type { BundleEntry } from '../../model/index.js';
import { invalid, isResourceType } from '../../model/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { conditionalKey, findConditionalTarget, serializeConditional } from '../interactions/conditional.js';
import { ifNoneExistAnswer } from '../interactions/if-none-exist-answer.js';
import { readCurrentForWrite } from '../write-path.js';
import { entryBody, toEntryRequest } from './entry-request.js';
import { parseEntryUrl } from './entry-url.js';

/** R4 §3.1.0.11.2 processing order: deletes, creates, updates and patches, then reads. */
export const PHASE = { delete: 0, create: 1, update: 2, read: 3 } as const;

export interface PlannedEntry {
  index: number;
  entry: BundleEntry;
  /** What to run: conditional updates and deletes already resolved to `Type/id`. */
  request: FhirRequest;
  phase: number;
  /** Known without running: a conditional create whose criteria matched (R4 §3.1.0.8.1). */
  answer?: FhirResponse;
  /** `Type/id` this entry changes (or, for a matched conditional create, points at). */
  target?: string;
  writes: boolean;
}

/**
 * Resolves, before anything is written, every identity a transaction touches: new ids for
 * creates (so `urn:uuid:` references can be rewritten), the matches of conditional creates,
 * updates and deletes. Then it enforces "If any resource identities (including resolved identities
 * from conditional update/delete) overlap in steps 1-3, then the transaction SHALL fail"
 * (R4 §3.1.0.11.2), and locks the existing targets in one global order, so two transactions
 * touching the same resources wait for each other instead of deadlocking. The conditional
 * entries' criteria are taken in one global order too, before any entry is planned: taken entry
 * by entry, two Bundles naming the same criteria in opposite order each held one and waited for
 * the other until PostgreSQL broke the deadlock by failing one (503).
 * Returns the plan and the fullUrl → `Type/id` map.
 */
export async function planTransaction(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, entries: BundleEntry[],
  onEntry: <T>(index: number, work: () => Promise<T>) => Promise<T>) {
  for (const key of conditionalKeys(ctx, entries)) await tx.serializeOn(key);
  const planned: PlannedEntry[] = [];
  for (const [index, entry] of entries.entries()) planned.push(await onEntry(index, () => planEntry(ctx, tx, guard, entry, index)));
  checkOverlaps(planned);
  const locked = planned.filter((p) => p.writes && p.target && p.phase !== PHASE.create).map((p) => p.target!);
  for (const target of [...new Set(locked)].sort()) {
    const [type, id] = target.split('/') as [string, string];
    await readCurrentForWrite(tx, type, id);
  }
  const targets = new Map<string, string>();
  for (const p of planned) if (p.entry.fullUrl !== undefined && p.target) targets.set(p.entry.fullUrl, p.target);
  return { planned, targets };
}

/**
 * Conditional criteria are resolved here, before dispatch checks the entry, so they are confined
 * here to what the caller may reach with the entry's interaction (`guard.visibility`: 403 when
 * not covered) — a match or a 412 never reveals a resource outside it.
 */
async function planEntry(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, entry: BundleEntry, index: number): Promise<PlannedEntry> {
  const url = parseEntryUrl(entry.request!.url, ctx.fhirBase);
  const request = toEntryRequest(entry, url, entryBody(entry), guard.access);
  const [type, id] = url.path as [string, string | undefined];
  const plan: PlannedEntry = { index, entry, request, phase: PHASE.read, writes: false };
  const conditional = url.path.length === 1 && url.query.length > 0;
  if (request.method === 'GET' || request.method === 'HEAD' || id === '_search') return plan;
  plan.writes = true;
  plan.phase = request.method === 'DELETE' ? PHASE.delete : request.method === 'POST' ? PHASE.create : PHASE.update;
  // Anything else (an unknown type, a $operation) is left for dispatch to refuse.
  if (!isResourceType(type)) return plan;
  if (url.path.length === 2 && request.method !== 'POST') plan.target = `${type}/${id}`;
  else if (request.method === 'POST' && url.path.length === 1) await planCreate(ctx, tx, guard, plan, type);
  else if (request.method === 'PUT' && conditional) await planConditionalUpdate(tx, guard, plan, type);
  else if (request.method === 'DELETE' && conditional) {
    const match = await findConditionalTarget(tx, type, url.query, 'Conditional delete', undefined, guard.visibility(type, 'd'));
    if (match) retarget(plan, type, match.id);
  }
  return plan;
}

async function planCreate(ctx: FhirContext, tx: StoreTransaction, guard: AccessGuard, plan: PlannedEntry, type: string): Promise<void> {
  const ifNoneExist = plan.request.headers['if-none-exist'];
  if (ifNoneExist !== undefined) {
    await serializeConditional(tx, type, ifNoneExist);
    const match = await findConditionalTarget(tx, type, ifNoneExist, 'ifNoneExist', undefined, guard.visibility(type, 'c'));
    if (match) {
      plan.answer = await ifNoneExistAnswer(ctx, tx, guard, match);
      plan.target = `${type}/${match.id}`;
      plan.writes = false;
      return;
    }
  }
  // Resolved here, against the state before the transaction, like every conditional entry.
  plan.request.headers['if-none-exist'] = undefined;
  plan.request.assignedId = newId();
  plan.target = `${type}/${plan.request.assignedId}`;
}

/** R4 §3.1.0.8.2: one match updates it; none creates (with the body's id, or a new one). */
async function planConditionalUpdate(tx: StoreTransaction, guard: AccessGuard, plan: PlannedEntry, type: string): Promise<void> {
  const body = plan.request.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null) return;
  await serializeConditional(tx, type, plan.request.query);
  const match = await findConditionalTarget(tx, type, plan.request.query, 'Conditional update', undefined, guard.visibility(type, 'u'));
  if (match && body.id !== undefined && body.id !== match.id) {
    throw invalid(`The resource id "${String(body.id)}" differs from the matching resource ${type}/${match.id}`, `${type}.id`);
  }
  const id = match?.id ?? (typeof body.id === 'string' ? body.id : newId());
  plan.request.body = { ...body, id };
  retarget(plan, type, id);
}

/**
 * The keys `serializeConditional` will take for the conditional creates and updates, sorted and
 * without repeats (taking one again later is a no-op: the lock is already this transaction's).
 * An entry whose URL does not parse is skipped here; planning it reports the error.
 */
function conditionalKeys(ctx: FhirContext, entries: BundleEntry[]): string[] {
  const keys = new Set<string>();
  for (const entry of entries) {
    const method = entry.request?.method;
    if (method !== 'POST' && method !== 'PUT') continue;
    let url: ReturnType<typeof parseEntryUrl>;
    try {
      url = parseEntryUrl(entry.request!.url, ctx.fhirBase);
    } catch {
      continue;
    }
    const [type] = url.path;
    if (url.path.length !== 1 || type === undefined || !isResourceType(type)) continue;
    if (method === 'POST' && typeof entry.request!.ifNoneExist === 'string') keys.add(conditionalKey(type, entry.request!.ifNoneExist));
    if (method === 'PUT' && url.query.length > 0) keys.add(conditionalKey(type, url.query));
  }
  return [...keys].sort();
}

function retarget(plan: PlannedEntry, type: string, id: string): void {
  plan.request.path = [type, id];
  plan.request.query = [];
  plan.target = `${type}/${id}`;
}

function checkOverlaps(planned: PlannedEntry[]): void {
  const seen = new Map<string, PlannedEntry>();
  for (const p of planned) {
    if (!p.target) continue;
    const other = seen.get(p.target);
    if (other && (other.writes || p.writes)) {
      throw invalid(`Bundle.entry[${other.index}] and Bundle.entry[${p.index}] both touch ${p.target}: a transaction may change a resource only once (R4 §3.1.0.11.2)`,
        [`Bundle.entry[${other.index}].request`, `Bundle.entry[${p.index}].request`]);
    }
    if (!other) seen.set(p.target, p);
  }
}
