import { formatScope } from './format-scope.js';
import { queryAlternatives, queryImplies, queryKey } from './query-implies.js';
import type { ParsedScope, ResourceScope, ScopeInteraction, ScopeLevel, ScopeQuery } from './scope-types.js';

/**
 * Does the set `granted` allow everything `requested` allows? (The building block of narrowing.)
 *
 * Resource scopes, per interaction letter and per OR-alternative of the requested query, need one
 * granted scope with: the same level (levels are not ordered — patient/ is bounded by the launch
 * patient, user/ by the user's permissions, system/ by the client's policy, §"Patient-specific
 * scopes", §"User-level scopes", §"System-level scopes"); the same type or `*` (§"Wildcard
 * scopes"); that letter; and a query no stricter than the requested one (a scope without a query
 * is the broadest). Letters may come from different granted scopes: "`Observation.rs` expresses
 * access equivalent to `Observation.r Observation.s`" (§"Scope Equivalence"). A requested `*` is
 * covered only by a granted `*`. Other scopes (launch, identity, refresh, unknown) need the same
 * scope in `granted`.
 */
export function scopeCovers(granted: readonly ParsedScope[], requested: ParsedScope): boolean {
  if (requested.kind !== 'resource') {
    const text = formatScope(requested);
    return granted.some((scope) => scope.kind === requested.kind && formatScope(scope) === text);
  }
  const alternatives = queryAlternatives(requested.query);
  return requested.interactions.every((interaction) =>
    alternatives.every((query) =>
      granted.some((scope) => appliesTo(scope, requested.level, requested.resourceType, interaction) && queryImplies(query, scope.query)),
    ),
  );
}

/** One FHIR interaction a token attempts, in SMART terms (see `smartInteraction`). */
export interface ScopeRequest {
  /**
   * The levels this token may use, from its context: a backend-services token `['system']`; a
   * token with a launch patient `['patient', 'user']`; without one `['user']`. A patient/ scope
   * only ever means the launch patient's compartment (§"Patient-specific scopes"), so leave
   * `'patient'` out when there is no patient context.
   */
  readonly levels: readonly ScopeLevel[];
  /** A concrete type; `*` is only matched by wildcard scopes. */
  readonly resourceType: string;
  readonly interaction: ScopeInteraction;
}

/**
 * What one level of scopes allows: `'none'` when a covering scope has no query; otherwise any of
 * `restrictions` (OR), each a list of `[param, value]` that must all hold (AND), in FHIR search
 * syntax. The caller adds the level's own bound: the launch patient's compartment for
 * `patient`, the user's permissions for `user`, the client's policy for `system`.
 */
export interface LevelGrant {
  readonly level: ScopeLevel;
  readonly restrictions: 'none' | ScopeQuery[];
}

/**
 * `{ allowed: true, grants }`: the interaction is allowed on whatever ANY grant admits (the grants'
 * results are ORed). One grant per usable level that has a covering scope, in `levels` order: the
 * levels bound different things, so `patient/Observation.rs` and `user/Observation.rs?category=…`
 * together admit the patient's Observations OR the user's matching ones — neither alone.
 */
export type Permission = { readonly allowed: false } | { readonly allowed: true; readonly grants: LevelGrant[] };

/**
 * Do `scopes` permit `request`? App Launch "Access FHIR API": the resource server "SHALL validate
 * the access token and ensure … that its scope covers the requested resource". With restrictions,
 * the resource read, written, created or found must match the query (for updates: before and after).
 */
export function permits(scopes: readonly ParsedScope[], request: ScopeRequest): Permission {
  const grants: LevelGrant[] = [];
  for (const level of new Set(request.levels)) {
    const covering = scopes.filter((scope) => appliesTo(scope, level, request.resourceType, request.interaction));
    if (covering.length === 0) continue;
    const queries = covering.map((scope) => scope.query);
    grants.push({ level, restrictions: queries.some((query) => query === undefined) ? 'none' : broadest(queries as ScopeQuery[]) });
  }
  return grants.length === 0 ? { allowed: false } : { allowed: true, grants };
}

function appliesTo(scope: ParsedScope, level: ScopeLevel, resourceType: string, interaction: ScopeInteraction): scope is ResourceScope {
  return (
    scope.kind === 'resource' &&
    scope.level === level &&
    (scope.resourceType === '*' || scope.resourceType === resourceType) &&
    scope.interactions.includes(interaction)
  );
}

/** The ORed queries without repeats and without any that another one already implies (A OR (A AND B) = A). */
function broadest(queries: readonly ScopeQuery[]): ScopeQuery[] {
  let kept: ScopeQuery[] = [];
  for (const query of new Map(queries.map((q) => [queryKey(q), q])).values()) {
    if (kept.some((other) => queryImplies(query, other))) continue;
    kept = [...kept.filter((other) => !queryImplies(other, query)), query];
  }
  return kept;
}
