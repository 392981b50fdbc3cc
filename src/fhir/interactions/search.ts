import type { SearchRequest } from '../../model/index.js';
import { issue, isResourceType, notFound, OperationOutcomeError, outcomeOf, parseSearchRequest } from '../../model/index.js';
import type { StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { serializeBundle, type RawEntry } from '../bundle/serialize-bundle.js';
import { shapeResource } from '../rest/shape-resource.js';
import { withQuery } from './history.js';

/**
 * R4 §3.1.1 search at type level and in the Patient compartment (`/Patient/123/Condition`).
 * Unknown parameters are ignored and reported in an OperationOutcome entry, or refused with 400
 * under `Prefer: handling=strict` (§3.1.1.3.1). The guard confines matches and includes to what
 * the caller may see inside the query itself, so pages and `Bundle.total` count only those.
 */
export async function search(ctx: FhirContext, db: StoreReader, guard: AccessGuard, type: string, query: [string, string][], prefer: string | undefined,
  compartment?: { type: 'Patient'; id: string }): Promise<FhirResponse> {
  if (!isResourceType(type)) throw notFound(`Unknown resource type ${type}`);
  const request: SearchRequest = parseSearchRequest(type, query, { now: ctx.clock.now().getTime(), localBase: ctx.fhirBase });
  if (compartment) request.compartment = compartment;
  guard.restrict(request);
  const strict = /handling\s*=\s*strict/i.test(prefer ?? '');
  if (request.unknown.length > 0 && strict) {
    throw new OperationOutcomeError(400, request.unknown.map((name) => issue('not-supported', `Unknown or unsupported search parameter "${name}" for ${type}`, name)));
  }
  const result = await db.search(request);
  const base = compartment ? `${ctx.fhirBase}/Patient/${compartment.id}/${type}` : `${ctx.fhirBase}/${type}`;
  const keep = query.filter(([name]) => name !== '_cursor');
  const link = [{ relation: 'self', url: withQuery(base, query) }];
  if (result.next) link.push({ relation: 'next', url: withQuery(base, [...keep, ['_cursor', result.next]]) });
  if (request.cursor !== undefined) link.push({ relation: 'first', url: withQuery(base, keep) });

  const entry: RawEntry[] = [];
  for (const match of result.matches) {
    entry.push({ fullUrl: `${ctx.fhirBase}/${match.resourceType}/${match.id}`, resource: shapeResource(match.json!, request.summary, request.elements), search: { mode: 'match' } });
  }
  for (const included of result.included) {
    entry.push({ fullUrl: `${ctx.fhirBase}/${included.resourceType}/${included.id}`, resource: shapeResource(included.json!, request.summary, request.elements), search: { mode: 'include' } });
  }
  if (request.unknown.length > 0) {
    const outcome = outcomeOf(request.unknown.map((name) => issue('not-supported', `Unknown or unsupported search parameter "${name}" for ${type}: ignored`, name, 'warning')));
    entry.push({ resource: outcome, search: { mode: 'outcome' } });
  }
  const bundle = { type: 'searchset', timestamp: ctx.clock.now().toISOString(), link, entry, ...(result.total !== undefined ? { total: result.total } : {}) };
  const disclosed = [...result.matches, ...result.included].map((v) => `${v.resourceType}/${v.id}/_history/${v.versionId}`);
  return { status: 200, body: serializeBundle(bundle), disclosed };
}
