import type { SearchClause } from '../../model/index.js';

/**
 * Which clause a search is driven by: the one whose index lookup is likely to return the fewest
 * rows, read first; the other clauses are then probed per row. SQLite plans without statistics
 * (we never run ANALYZE), so the SQL itself has to say where to start; PostgreSQL plans from its
 * statistics either way. The ranking follows how selective each kind of value usually is:
 * a reference names one target (`patient=X`), a code one concept, a string prefix or a `:text`
 * word many, a date range most.
 *
 * undefined when nothing should drive: `_id` (the (resource_type, id) key is better still), or
 * only clauses that cannot (`:not`, `:missing`, `_lastUpdated`).
 */
export function chooseDriver(clauses: SearchClause[]): number | undefined {
  if (clauses.some((c) => c.param.code === '_id' && c.modifier !== 'not')) return undefined;
  let best: number | undefined;
  let bestRank = Infinity;
  clauses.forEach((clause, i) => {
    const rank = driverRank(clause);
    if (rank !== undefined && rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  });
  return best;
}

function driverRank(clause: SearchClause): number | undefined {
  if (clause.modifier === 'not') return undefined;
  if (clause.chain || clause.has) return 3;
  if (clause.param.code === '_id' || clause.param.code === '_lastUpdated') return undefined;
  const missing = clause.values.find((v) => v.kind === 'missing');
  // `:missing` either way selects a large share of the type (and spans two tables for references).
  if (missing?.kind === 'missing') return undefined;
  switch (clause.param.type) {
    case 'reference': return clause.modifier === 'identifier' ? 1 : 0;
    case 'token': return clause.modifier === 'text' || clause.values.some((v) => v.kind === 'token' && v.code === undefined) ? 2 : 1;
    case 'uri': return clause.modifier === undefined ? 1 : 2;
    case 'string': return clause.modifier === 'exact' ? 1 : 2;
    default: return 4;
  }
}
