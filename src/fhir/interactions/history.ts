import type { Visibility } from '../../access/index.js';
import { invalid, isResourceType, notFound } from '../../model/index.js';
import type { HistoryQuery, ResourceVersion, StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirResponse } from '../fhir-request.js';
import { serializeBundle } from '../bundle/serialize-bundle.js';
import { statusLine } from '../bundle/status-line.js';
import { etagOf, instant } from '../rest/http-headers.js';
import { parseInstantParam } from './parse-instant-param.js';
import { visibleHistory } from './visible-history.js';

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;

/**
 * R4 §3.1.0.9 history at instance, type and system level, newest first, with `_since`, `_at`,
 * `_count` and a stable cursor (`_cursor`) for the next page. Instance history is refused like a
 * read (404) when the resource is not the caller's to see; at every level, versions the caller
 * may not see are left out (visible-history.ts), so a page may hold fewer than `_count`.
 */
export async function history(ctx: FhirContext, db: StoreReader, guard: AccessGuard, type: string | undefined, id: string | undefined, query: [string, string][],
  visibility: Visibility = 'everything'): Promise<FhirResponse> {
  if (type !== undefined && !isResourceType(type)) throw notFound(`Unknown resource type ${type}`);
  const historyQuery: HistoryQuery = { count: DEFAULT_COUNT };
  if (type) historyQuery.resourceType = type;
  if (id) historyQuery.id = id;
  for (const [name, value] of query) {
    if (name === '_count') historyQuery.count = parseCount(value);
    else if (name === '_since') historyQuery.since = parseInstantParam(value, '_since').low;
    else if (name === '_at') historyQuery.at = parseInstantParam(value, '_at');
    else if (name === '_cursor') historyQuery.cursor = value;
  }
  if (id && type) {
    const current = await db.readCurrent(type, id);
    if (!current) throw notFound(`${type}/${id} is not known`);
    await guard.checkVisible(db, visibility, current);
  }
  const page = await db.history(historyQuery);
  const items = await visibleHistory(db, guard, page.items, type === undefined ? undefined : visibility);
  const base = `${ctx.fhirBase}${type ? `/${type}` : ''}${id ? `/${id}` : ''}/_history`;
  const keep = query.filter(([name]) => name !== '_cursor');
  const link = [{ relation: 'self', url: withQuery(base, query) }];
  if (page.next) link.push({ relation: 'next', url: withQuery(base, [...keep, ['_cursor', page.next]]) });
  const body = serializeBundle({ type: 'history', timestamp: ctx.clock.now().toISOString(), link, entry: items.map((v) => historyEntry(ctx, v)) });
  return { status: 200, body };
}

function historyEntry(ctx: FhirContext, version: ResourceVersion) {
  const url = `${version.resourceType}/${version.id}`;
  const method = version.deleted ? 'DELETE' : version.versionId === 1 ? 'POST' : 'PUT';
  return {
    fullUrl: `${ctx.fhirBase}/${url}`,
    ...(version.json !== null ? { resource: version.json } : {}),
    request: { method, url: method === 'POST' ? version.resourceType : url },
    response: {
      status: statusLine(version.deleted ? 204 : version.versionId === 1 ? 201 : 200),
      etag: etagOf(version.versionId),
      lastModified: instant(version.lastUpdated),
    },
  };
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw invalid(`_count must be a non-negative integer, got "${value}"`, '_count');
  return Math.min(count, MAX_COUNT);
}

export function withQuery(base: string, query: [string, string][]): string {
  return query.length === 0 ? base : `${base}?${new URLSearchParams(query).toString()}`;
}
