import type { ScopeQuery } from './scope-types.js';

/*
 * Granular scopes borrow FHIR search semantics (§"Finer-grained resource constraints using search
 * parameters": "based on FHIR REST API search parameter syntax"): the params of a query are
 * ANDed, the `,`-separated values of one param are ORed (R4 search.html#combining). We reason
 * about them only syntactically — same param name, same value string — which can refuse a true
 * narrowing (`category=laboratory` vs `category=http://…|laboratory`) but never accepts a widening.
 */

/** At most this many OR-alternatives are expanded; beyond it a query is compared as written. */
const MAX_ALTERNATIVES = 64;

/**
 * Does every resource matching `narrow` also match `broad`? True when every term `name=v1,v2` of
 * `broad` is implied by a term of `narrow` with the same name whose values are among v1, v2.
 * No query at all matches everything.
 */
export function queryImplies(narrow: ScopeQuery | undefined, broad: ScopeQuery | undefined): boolean {
  if (broad === undefined) return true;
  if (narrow === undefined) return false;
  return broad.every(([name, broadValue]) => {
    const allowed = new Set(broadValue.split(','));
    return narrow.some(([n, value]) => n === name && value.split(',').every((v) => allowed.has(v)));
  });
}

/**
 * A query → OR-alternatives without commas: `a=1,2&b=3` → [`a=1&b=3`, `a=2&b=3`], so that each
 * alternative can be covered by a different granted scope ("Scopes can be combined to represent a
 * union of access", §"Scope Equivalence"). Too many alternatives: the query itself, unexpanded.
 */
export function queryAlternatives(query: ScopeQuery | undefined): (ScopeQuery | undefined)[] {
  if (query === undefined) return [undefined];
  let alternatives: (readonly [string, string])[][] = [[]];
  for (const [name, value] of query) {
    const values = value.split(',');
    if (alternatives.length * values.length > MAX_ALTERNATIVES) return [query];
    alternatives = alternatives.flatMap((prefix) => values.map((v) => [...prefix, [name, v] as const]));
  }
  return alternatives;
}

/** A canonical key: equal for queries that differ only in param order, value order or repeats. */
export function queryKey(query: ScopeQuery | undefined): string {
  if (query === undefined) return '';
  const terms = query.map(([name, value]) => `${name}=${[...new Set(value.split(','))].sort().join(',')}`);
  return [...new Set(terms)].sort().join('&');
}
