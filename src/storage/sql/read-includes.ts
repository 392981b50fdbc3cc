import type { IncludeSpec, SearchRequest } from '../../model/index.js';
import type { ResourceVersion } from '../store.js';
import type { SqlExecutor } from './sql-executor.js';
import { compileRestriction } from './compile-filter.js';
import { all, any, join, list, raw, sql, type Sql } from './sql-fragment.js';
import { toVersion, versionColumnsOf } from './version-rows.js';

/** `_include:iterate` follows at most this many hops, so a reference cycle cannot loop. */
const MAX_INCLUDE_DEPTH = 3;

export interface Found {
  rid: number;
  type: string;
  id: string;
}

/**
 * R4 §3.1.1.5.4 `_include` and `_revinclude` (search.html#include) for one page of matches. The
 * first round starts from the matches; `:iterate` specs then run again from what the previous
 * round added. A resource already in the page or included is not repeated. Each round is one
 * query whose subqueries start from the index (`rid IN (…)` or `target_id IN (…)`), never a scan.
 */
export async function readIncludes(db: SqlExecutor, request: SearchRequest, matches: Found[]): Promise<ResourceVersion[]> {
  if (matches.length === 0 || (request.include.length === 0 && request.revinclude.length === 0)) return [];
  const seen = new Set(matches.map((m) => `${m.type}/${m.id}`));
  const included: ResourceVersion[] = [];
  let frontier = matches;
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length > 0; depth++) {
    const iterateOnly = depth > 0;
    const sources: Sql[] = [];
    for (const spec of request.include) if (!iterateOnly || spec.iterate) sources.push(...forwardInclude(spec, frontier));
    for (const spec of request.revinclude) if (!iterateOnly || spec.iterate) sources.push(...reverseInclude(spec, frontier));
    if (sources.length === 0) break;
    const rows = await db.query(sql`SELECT r.rid, ${versionColumnsOf('r')} FROM resources r
      WHERE r.deleted = 0 AND r.rid IN (${join(sources, ' UNION ')}) AND ${allowedIncludes(request)} ORDER BY r.rid`);
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

/**
 * Only what the caller may see is included, and only that is followed by `:iterate` (a hidden
 * resource must not lead to others). Without a restriction, everything.
 */
function allowedIncludes(request: SearchRequest): Sql {
  if (request.includeRestriction === undefined) return raw('1=1');
  return any(Object.entries(request.includeRestriction).map(([type, restriction]) =>
    all([sql`r.resource_type = ${type}`, compileRestriction(restriction, type, 'r').condition])));
}

/** `_include=Condition:subject[:Patient]`: the targets of the found resources' references. */
function forwardInclude(spec: IncludeSpec, from: Found[]): Sql[] {
  const sources = from.filter((f) => f.type === spec.sourceType).map((f) => f.rid);
  if (sources.length === 0) return [];
  const typeFilter = spec.targetType ? sql` AND ref.target_type = ${spec.targetType}` : raw('');
  return [sql`SELECT t.rid FROM sp_reference ref JOIN resources t ON t.resource_type = ref.target_type AND t.id = ref.target_id
    WHERE ref.rid IN (${list(sources)}) AND ref.param = ${spec.param.code}${typeFilter}`];
}

/** `_revinclude=Provenance:target[:Patient]`: resources whose reference points at a found one. */
function reverseInclude(spec: IncludeSpec, to: Found[]): Sql[] {
  const idsByType = new Map<string, string[]>();
  for (const t of to) {
    if (spec.targetType !== undefined && t.type !== spec.targetType) continue;
    if (spec.param.targets.length > 0 && !spec.param.targets.includes(t.type)) continue;
    idsByType.set(t.type, [...(idsByType.get(t.type) ?? []), t.id]);
  }
  if (idsByType.size === 0) return [];
  const targets = [...idsByType].map(([type, ids]) => sql`(ref.target_id IN (${list(ids)}) AND ref.target_type = ${type})`);
  return [sql`SELECT ref.rid FROM sp_reference ref WHERE ref.resource_type = ${spec.sourceType}
    AND ref.param = ${spec.param.code} AND ${any(targets)}`];
}
