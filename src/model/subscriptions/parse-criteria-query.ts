import { invalid } from '../outcome/index.js';
import { parseSearchRequest } from '../search/index.js';
import type { SearchClause } from '../search/index.js';

/**
 * A topic's `queryCriteria.previous` / `.current` (R5 SubscriptionTopic: "the FHIR query based
 * rules … a search query without the resource type") or a filter's `param=value` pairs, as
 * search clauses of `resourceType` to evaluate in memory (match-clause.ts). A parameter the type
 * does not index, a chain, `_has` or a result parameter cannot be evaluated on one resource and
 * is refused, naming `where` (the element that carried the query).
 */
export function parseCriteriaQuery(resourceType: string, query: string, where: string): SearchClause[] {
  const text = query.startsWith('?') ? query.slice(1) : query;
  const pairs = [...new URLSearchParams(text)] as [string, string][];
  for (const [name] of pairs) {
    if (name.startsWith('_') && name !== '_id' && name !== '_lastUpdated') {
      throw invalid(`"${name}" cannot be evaluated on a single ${resourceType}`, where);
    }
  }
  const request = parseSearchRequest(resourceType, pairs);
  if (request.unknown.length > 0) throw invalid(`${resourceType} has no search parameter ${request.unknown.join(', ')} this server can evaluate`, where);
  if (request.clauses.some((c) => c.chain !== undefined || c.has !== undefined)) {
    throw invalid(`Chained and _has parameters need other resources and cannot be evaluated on one ${resourceType}`, where);
  }
  return request.clauses;
}
