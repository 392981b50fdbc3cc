import { parseSearchClause, type ScopeQuery, type SearchClause } from '../../model/index.js';

/** What parsing a granular scope's query needs: the clock (`ap` dates) and our FHIR base (references). */
export interface QueryContext {
  /** Epoch milliseconds. */
  now: number;
  /** The server's FHIR base URL. */
  localBase: string;
}

/**
 * A granular scope's `?param=value&…` (App Launch 2.2 §"Finer-grained resource constraints using
 * search parameters") as search clauses of `resourceType`, or `undefined` when any part cannot be
 * evaluated the way a search would: an unknown or unindexed parameter, an empty or malformed
 * value, a chain or `_has` (they need other resources, so reads could not check them). The caller
 * must then deny: a restriction is never ignored (model/scopes/README.md).
 */
export function scopeQueryClauses(resourceType: string, query: ScopeQuery, context: QueryContext): SearchClause[] | undefined {
  const clauses: SearchClause[] = [];
  for (const [name, value] of query) {
    let clause: ReturnType<typeof parseSearchClause>;
    try {
      clause = parseSearchClause(resourceType, name, value, { now: context.now, localBase: context.localBase });
    } catch {
      return undefined;
    }
    if (clause === 'unknown' || clause === 'empty' || clause.chain || clause.has) return undefined;
    clauses.push(clause);
  }
  return clauses;
}
