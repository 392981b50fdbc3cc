import type { IncludeSpec, SearchRequest } from '../../model/index.js';
import type { ResourceVersion, SearchResult } from '../store.js';
import { compileSearch, encodeCursor } from './compile-search.js';
import type { SqlExecutor } from './sql-executor.js';
import { all, any, list, raw, sql, type Sql } from './sql-fragment.js';
import { toVersion, versionColumnsOf } from './version-rows.js';

/** `_include:iterate` follows at most this many hops, so a reference cycle cannot loop. */
const MAX_INCLUDE_DEPTH = 3;

export async function runSearch(db: SqlExecutor, request: SearchRequest): Promise<SearchResult> {
  const compiled = compileSearch(request);
  let total: number | undefined;
  if (request.summary === 'count') {
    const rows = await db.query(compiled.count);
    return { matches: [], included: [], next: undefined, total: Number(rows[0]?.total ?? 0) };
  }
  const rows = await db.query(compiled.page);
  const pageRows = rows.slice(0, request.count);
  const hasNext = rows.length > request.count;
  const next = hasNext ? encodeCursor(pageRows[pageRows.length - 1]!, compiled.sortKeys) : undefined;
  if (request.total === 'accurate' || request.total === 'estimate') {
    total = Number((await db.query(compiled.count))[0]?.total ?? 0);
  } else if (request.total !== 'none' && request.cursor === undefined && !hasNext) {
    total = pageRows.length; // the whole result is on this page: the count is free
  }
  const matches = pageRows.map(toVersion);
  const included = await readIncludes(db, request, pageRows.map((row) => ({ rid: Number(row.rid), type: request.resourceType, id: String(row.id) })));
  return { matches, included, next, total };
}

interface Found {
  rid: number;
  type: string;
  id: string;
}

async function readIncludes(db: SqlExecutor, request: SearchRequest, matches: Found[]): Promise<ResourceVersion[]> {
  if (matches.length === 0 || (request.include.length === 0 && request.revinclude.length === 0)) return [];
  const seen = new Set(matches.map((m) => `${m.type}/${m.id}`));
  const included: ResourceVersion[] = [];
  let frontier = matches;
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length > 0; depth++) {
    const iterateOnly = depth > 0;
    const conditions: Sql[] = [];
    for (const spec of request.include) if (!iterateOnly || spec.iterate) conditions.push(forwardInclude(spec, frontier));
    for (const spec of request.revinclude) if (!iterateOnly || spec.iterate) conditions.push(reverseInclude(spec, frontier));
    if (conditions.length === 0) break;
    const rows = await db.query(sql`SELECT r.rid, ${versionColumnsOf('r')} FROM resources r WHERE r.deleted = 0 AND ${any(conditions)}`);
    frontier = [];
    for (const row of rows) {
      const key = `${String(row.resource_type)}/${String(row.id)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      included.push(toVersion(row));
      frontier.push({ rid: Number(row.rid), type: String(row.resource_type), id: String(row.id) });
    }
  }
  return included;
}

/** `_include=Condition:subject[:Patient]`: the targets of the matches' references. */
function forwardInclude(spec: IncludeSpec, from: Found[]): Sql {
  const sources = from.filter((f) => f.type === spec.sourceType).map((f) => f.rid);
  if (sources.length === 0) return raw('1=0');
  const typeFilter = spec.targetType ? sql` AND ref.target_type = ${spec.targetType}` : raw('');
  return sql`EXISTS (SELECT 1 FROM sp_reference ref WHERE ref.rid IN (${list(sources)}) AND ref.param = ${spec.param.code}${typeFilter}
    AND ref.target_type = r.resource_type AND ref.target_id = r.id)`;
}

/** `_revinclude=Provenance:target`: resources whose reference points at a match. */
function reverseInclude(spec: IncludeSpec, to: Found[]): Sql {
  const targets = to.map((t) => all([sql`ref.target_type = ${t.type}`, sql`ref.target_id = ${t.id}`]));
  return sql`r.rid IN (SELECT ref.rid FROM sp_reference ref WHERE ref.resource_type = ${spec.sourceType}
    AND ref.param = ${spec.param.code} AND ${any(targets)})`;
}
