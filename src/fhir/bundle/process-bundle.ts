import { newId } from '../../base/index.js';
import type { Bundle, BundleEntry, Resource } from '../../model/index.js';
import { invalid, issue, OperationOutcomeError, outcomeOf } from '../../model/index.js';
import type { StoreTransaction } from '../../storage/index.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { findConditionalTarget } from '../interactions/conditional.js';
import { serializeBundle, type RawEntry } from './serialize-bundle.js';
import { toEntryRequest } from './entry-request.js';

type Dispatch = (request: FhirRequest, tx?: StoreTransaction) => Promise<FhirResponse>;

/** R4 §3.1.0.11.2: deletes, then creates, then updates and patches, then reads. */
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/**
 * R4 §3.1.0.11 batch and transaction. A transaction is all or nothing: every entry runs in one
 * store transaction, and the first failure rolls back everything and answers its error, naming
 * the entry. A batch runs entries independently and reports each outcome.
 */
export async function processBundle(ctx: FhirContext, body: unknown, dispatch: Dispatch): Promise<FhirResponse> {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw invalid('POST to the FHIR base takes a Bundle of type batch or transaction', 'resourceType');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw invalid(`Bundle.type must be batch or transaction, got "${String(bundle.type)}"`, 'Bundle.type');
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw invalid('Bundle.entry must be an array', 'Bundle.entry');
  const entries = bundle.entry ?? [];
  entries.forEach((entry, i) => checkEntry(entry, i));
  const responses = bundle.type === 'transaction' ? await runTransaction(ctx, entries, dispatch) : await runBatch(entries, dispatch);
  const body2 = serializeBundle({
    id: newId(), type: `${bundle.type}-response`, timestamp: ctx.clock.now().toISOString(),
    entry: responses.map((response) => entryOf(response)),
  });
  return { status: 200, body: body2 };
}

function checkEntry(entry: BundleEntry, i: number): void {
  const where = `Bundle.entry[${i}]`;
  if (typeof entry !== 'object' || entry === null) throw invalid('Each entry must be an object', where);
  if (!entry.request || typeof entry.request.method !== 'string' || typeof entry.request.url !== 'string') {
    throw invalid('Each entry needs request.method and request.url', `${where}.request`);
  }
  if (!(entry.request.method in ORDER)) throw invalid(`Unsupported method ${entry.request.method}`, `${where}.request.method`);
}

async function runBatch(entries: BundleEntry[], dispatch: Dispatch): Promise<FhirResponse[]> {
  const responses: FhirResponse[] = [];
  for (const entry of entries) {
    try {
      responses.push(await dispatch(toEntryRequest(entry)));
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      responses.push({ status: error.status, body: error.outcome });
    }
  }
  return responses;
}

async function runTransaction(ctx: FhirContext, entries: BundleEntry[], dispatch: Dispatch): Promise<FhirResponse[]> {
  return ctx.store.transaction(async (tx) => {
    const ids = await assignIds(tx, entries);
    const resolved = entries.map((entry) => ({ ...entry, resource: entry.resource ? replaceReferences(entry.resource, ids.references) : undefined }));
    await resolveConditionalReferences(tx, resolved, ids.references);
    const responses: FhirResponse[] = new Array(entries.length);
    const order = resolved.map((_, i) => i).sort((a, b) => ORDER[resolved[a]!.request!.method]! - ORDER[resolved[b]!.request!.method]! || a - b);
    for (const i of order) {
      const entry = resolved[i]!;
      const existingMatch = ids.conditionalMatches.get(i);
      try {
        responses[i] = existingMatch ?? await dispatch(toEntryRequest(entry, ids.assigned.get(i)), tx);
      } catch (error) {
        if (error instanceof OperationOutcomeError) {
          throw new OperationOutcomeError(error.status, error.issues.map((it) => ({
            ...it,
            diagnostics: `Bundle.entry[${i}] (${entry.request!.method} ${entry.request!.url}): ${it.diagnostics ?? it.code}`,
            expression: it.expression?.map((e) => `Bundle.entry[${i}].resource.${e.replace(/^[A-Z][A-Za-z]+\./, '')}`) ?? [`Bundle.entry[${i}]`],
          })));
        }
        throw error;
      }
    }
    return responses;
  });
}

/**
 * Pre-assigns the id of every create so `urn:uuid:` references can be rewritten before anything
 * is written. A conditional create that matches maps its fullUrl to the existing resource.
 */
async function assignIds(tx: StoreTransaction, entries: BundleEntry[]) {
  const references = new Map<string, string>();
  const assigned = new Map<number, string>();
  const conditionalMatches = new Map<number, FhirResponse>();
  for (const [i, entry] of entries.entries()) {
    if (entry.request!.method !== 'POST' || !entry.resource) continue;
    const type = entry.request!.url.split('?')[0]!;
    let id = newId();
    if (entry.request!.ifNoneExist) {
      const match = await findConditionalTarget(tx, type, entry.request!.ifNoneExist, `Bundle.entry[${i}].request.ifNoneExist`);
      if (match) {
        id = match.id;
        conditionalMatches.set(i, { status: 200, body: match.json!, location: `${type}/${match.id}/_history/${match.versionId}`, etag: `W/"${match.versionId}"` });
      }
    }
    assigned.set(i, id);
    if (entry.fullUrl?.startsWith('urn:uuid:') || entry.fullUrl?.startsWith('urn:oid:')) references.set(entry.fullUrl, `${type}/${id}`);
  }
  return { references, assigned, conditionalMatches };
}

/** Rewrites every `reference` (and `Attachment.url`-free) string that names a Bundle-local fullUrl. */
function replaceReferences(resource: Resource, references: Map<string, string>): Resource {
  if (references.size === 0) return resource;
  const json = JSON.stringify(resource, (key, value: unknown) =>
    key === 'reference' && typeof value === 'string' && references.has(value) ? references.get(value) : value);
  return JSON.parse(json) as Resource;
}

/** R4 §3.1.0.11.2 conditional references (`Patient?identifier=…`) must match exactly one resource. */
async function resolveConditionalReferences(tx: StoreTransaction, entries: BundleEntry[], _references: Map<string, string>): Promise<void> {
  for (const [i, entry] of entries.entries()) {
    if (!entry.resource) continue;
    const pending: { holder: Record<string, unknown> }[] = [];
    collectConditional(entry.resource, pending);
    for (const { holder } of pending) {
      const reference = holder.reference as string;
      const [type, query] = reference.split('?') as [string, string];
      const match = await findConditionalTarget(tx, type, query, `Bundle.entry[${i}] reference ${reference}`);
      if (!match) {
        throw new OperationOutcomeError(404, [issue('not-found', `Bundle.entry[${i}]: conditional reference ${reference} matches nothing`, `Bundle.entry[${i}].resource`)]);
      }
      holder.reference = `${type}/${match.id}`;
    }
  }
}

function collectConditional(node: unknown, into: { holder: Record<string, unknown> }[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectConditional(item, into);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (typeof record.reference === 'string' && /^[A-Z][A-Za-z]+\?/.test(record.reference)) into.push({ holder: record });
    for (const value of Object.values(record)) collectConditional(value, into);
  }
}

function entryOf(response: FhirResponse): RawEntry {
  const entry: RawEntry = {
    response: {
      status: String(response.status),
      ...(response.location ? { location: response.location } : {}),
      ...(response.etag ? { etag: response.etag } : {}),
      ...(response.lastModified ? { lastModified: response.lastModified } : {}),
    },
  };
  if (response.body !== undefined) {
    const isOutcome = typeof response.body === 'object' && response.body.resourceType === 'OperationOutcome';
    if (isOutcome) entry.response!.outcome = response.body as Resource;
    else entry.resource = response.body;
  }
  if (response.status >= 400 && response.body === undefined) entry.response!.outcome = outcomeOf([issue('exception', `status ${response.status}`)]);
  return entry;
}
