import type { Visibility } from '../access/index.js';
import type { StoreReader, StoreTransaction } from '../storage/index.js';
import type { AccessGuard } from './access-guard.js';
import type { FhirContext } from './fhir-context.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { createResource } from './interactions/create.js';
import { conditionalDelete, deleteResource } from './interactions/delete.js';
import { history } from './interactions/history.js';
import { patchResource } from './interactions/patch.js';
import { readResource, vreadResource } from './interactions/read.js';
import { search } from './interactions/search.js';
import { conditionalUpdate, updateResource } from './interactions/update.js';

/**
 * The FHIR route table, independent of HTTP. Each route names the CapabilityStatement interaction
 * it implements, so /metadata is generated from what is really routed. Segments starting with `:`
 * are captured; `:type` must be a resource type name (checked by the handlers).
 */
export type Level = 'type' | 'instance' | 'system';

export interface RouteContext {
  ctx: FhirContext;
  request: FhirRequest;
  params: Record<string, string>;
  /** The reader to use: the transaction's inside a Bundle transaction, the store otherwise. */
  db: StoreReader;
  /** Runs a write in the surrounding transaction, or in a new one. */
  write<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** The caller's access, applied. */
  guard: AccessGuard;
  /**
   * What this route's interaction may reach on its `:type` (checked by dispatch before the
   * handler runs: 403 when not covered); 'everything' for routes without a type.
   */
  visibility: Visibility;
}

export interface Route {
  method: FhirRequest['method'];
  pattern: string[];
  interaction: string;
  level: Level;
  /** Conditional routes need a query string; unconditional ones must not be taken for them. */
  conditional?: boolean;
  handle(route: RouteContext): Promise<FhirResponse>;
}

const header = (r: RouteContext, name: string) => r.request.headers[name];

export const FHIR_ROUTES: Route[] = [
  { method: 'GET', pattern: ['_history'], interaction: 'history-system', level: 'system',
    handle: (r) => history(r.ctx, r.db, r.guard, undefined, undefined, r.request.query) },
  { method: 'GET', pattern: [':type', '_history'], interaction: 'history-type', level: 'type',
    handle: (r) => history(r.ctx, r.db, r.guard, r.params.type, undefined, r.request.query, r.visibility) },
  { method: 'GET', pattern: [':type', ':id', '_history'], interaction: 'history-instance', level: 'instance',
    handle: (r) => history(r.ctx, r.db, r.guard, r.params.type, r.params.id, r.request.query, r.visibility) },
  { method: 'GET', pattern: [':type', ':id', '_history', ':vid'], interaction: 'vread', level: 'instance',
    handle: (r) => vreadResource(r.db, r.guard, r.visibility, r.params.type!, r.params.id!, r.params.vid!) },
  { method: 'GET', pattern: [':type'], interaction: 'search-type', level: 'type',
    handle: (r) => search(r.ctx, r.db, r.guard, r.params.type!, r.request.query, header(r, 'prefer')) },
  { method: 'POST', pattern: [':type', '_search'], interaction: 'search-type', level: 'type',
    handle: (r) => search(r.ctx, r.db, r.guard, r.params.type!, [...r.request.query, ...formParams(r.request.body)], header(r, 'prefer')) },
  { method: 'GET', pattern: ['Patient', ':id', ':type'], interaction: 'search-type', level: 'type',
    handle: (r) => search(r.ctx, r.db, r.guard, r.params.type!, r.request.query, header(r, 'prefer'), { type: 'Patient', id: r.params.id! }) },
  { method: 'GET', pattern: [':type', ':id'], interaction: 'read', level: 'instance',
    handle: (r) => readResource(r.db, r.guard, r.visibility, r.params.type!, r.params.id!) },
  { method: 'POST', pattern: [':type'], interaction: 'create', level: 'type',
    handle: (r) => r.write((tx) => createResource(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.request.body, header(r, 'if-none-exist'), r.request.assignedId)) },
  { method: 'PUT', pattern: [':type'], interaction: 'update', level: 'type', conditional: true,
    handle: (r) => r.write((tx) => conditionalUpdate(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.request.query, r.request.body, header(r, 'if-match'))) },
  { method: 'PUT', pattern: [':type', ':id'], interaction: 'update', level: 'instance',
    handle: (r) => r.write((tx) => updateResource(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.params.id!, r.request.body, header(r, 'if-match'))) },
  { method: 'PATCH', pattern: [':type', ':id'], interaction: 'patch', level: 'instance',
    handle: (r) => r.write((tx) => patchResource(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.params.id!, r.request.body, header(r, 'content-type') ?? '', header(r, 'if-match'))) },
  { method: 'DELETE', pattern: [':type'], interaction: 'delete', level: 'type', conditional: true,
    handle: (r) => r.write((tx) => conditionalDelete(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.request.query)) },
  { method: 'DELETE', pattern: [':type', ':id'], interaction: 'delete', level: 'instance',
    handle: (r) => r.write((tx) => deleteResource(r.ctx, tx, r.guard, r.visibility, r.params.type!, r.params.id!)) },
];

/** `POST _search` takes its parameters as an application/x-www-form-urlencoded body. */
function formParams(body: unknown): [string, string][] {
  if (typeof body === 'string') return [...new URLSearchParams(body)];
  return [];
}

export function matchRoute(request: FhirRequest, routes: Route[] = FHIR_ROUTES): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== request.method && !(request.method === 'HEAD' && route.method === 'GET')) continue;
    if (route.pattern.length !== request.path.length) continue;
    if (route.conditional && request.query.length === 0) continue;
    const params: Record<string, string> = {};
    const ok = route.pattern.every((segment, i) => {
      const actual = request.path[i]!;
      if (segment.startsWith(':')) {
        if (actual.startsWith('_') || actual.startsWith('$')) return false;
        params[segment.slice(1)] = actual;
        return true;
      }
      return segment === actual;
    });
    if (ok) return { route, params };
  }
  return undefined;
}
