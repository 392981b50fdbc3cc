import type { SearchRequest } from '../../model/index.js';
import type { SearchResult } from '../store.js';
import { compileSearch, encodeCursor } from './compile-search.js';
import { readIncludes } from './read-includes.js';
import type { SqlExecutor } from './sql-executor.js';
import type { Sql } from './sql-fragment.js';
import { toVersion } from './version-rows.js';

/**
 * Runs a search: one page of matches (keyset), the total when asked for or free, then the
 * `_include`/`_revinclude` resources of that page.
 */
export async function runSearch(db: SqlExecutor, request: SearchRequest): Promise<SearchResult> {
  const compiled = compileSearch(request);
  if (countOnly(request)) {
    const rows = await db.query(compiled.count);
    return { matches: [], included: [], next: undefined, total: Number(rows[0]?.total ?? 0) };
  }
  const rows = await db.query(compiled.page);
  const pageRows = rows.slice(0, request.count);
  const hasNext = rows.length > request.count;
  const next = hasNext ? encodeCursor(pageRows[pageRows.length - 1]!, compiled.sortKeys) : undefined;
  let total: number | undefined;
  if (request.total === 'accurate' || request.total === 'estimate') {
    total = Number((await db.query(compiled.count))[0]?.total ?? 0);
  } else if (request.total !== 'none' && request.cursor === undefined && !hasNext) {
    total = pageRows.length; // the whole result is on this page: the count is free
  }
  const matches = pageRows.map(toVersion);
  const included = await readIncludes(db, request, pageRows.map((row) => ({ rid: Number(row.rid), type: request.resourceType, id: String(row.id) })));
  return { matches, included, next, total };
}

/** The statement a search runs first, for EXPLAIN: the count alone, or the page. */
export function searchStatement(request: SearchRequest): Sql {
  const compiled = compileSearch(request);
  return countOnly(request) ? compiled.count : compiled.page;
}

/**
 * search.html#summary `_summary=count` asks for the total alone; `_count=0` asks for a page of
 * nothing, which can only be useful for its total, so it is answered the same way.
 */
function countOnly(request: SearchRequest): boolean {
  return request.summary === 'count' || request.count === 0;
}
