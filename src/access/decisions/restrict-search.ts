import { resourceTypes, type IncludeSpec, type SearchRequest, type SearchRestriction } from '../../model/index.js';
import type { AccessContext } from '../caller.js';
import { decideAccess, visibilityOrNone } from './decide-access.js';
import type { QueryContext } from './scope-query-clauses.js';
import { asRestriction, unionOf, type Visibility } from './visibility.js';

/**
 * Confines a search to what the caller may see, in the request itself so storage compiles it to
 * SQL (the compartment drives from sp_reference; granular queries become clauses) and paging and
 * `Bundle.total` stay right. Throws `InsufficientScope` when the caller may not search the type.
 * `_include`d and `_revinclude`d resources are confined per type to what the caller may read or
 * search; a type they may do neither with is never included.
 */
export function restrictSearch(access: AccessContext, request: SearchRequest, context: QueryContext): void {
  if (access.open) return;
  const matches = decideAccess(access, request.resourceType, 's', context);
  if (matches !== 'everything') request.restriction = matches;
  if (request.include.length === 0 && request.revinclude.length === 0) return;
  const byType: Record<string, SearchRestriction> = {};
  let everything = true;
  for (const type of includableTypes(request)) {
    const seen = seeable(access, type, context);
    everything &&= seen === 'everything';
    if (seen !== undefined) byType[type] = asRestriction(seen);
  }
  // Every type the specs can bring in is wholly visible (system/*.rs): nothing to add to the SQL.
  if (!everything) request.includeRestriction = byType;
}

/** What the caller may see of a type by reading or by searching, `undefined` for neither. */
export function seeable(access: AccessContext, resourceType: string, context: QueryContext): Visibility | undefined {
  const read = visibilityOrNone(access, resourceType, 'r', context);
  const search = visibilityOrNone(access, resourceType, 's', context);
  if (read === undefined) return search;
  return search === undefined ? read : unionOf(read, search);
}

/** Every type an include spec may bring in (a reference parameter without targets: any type). */
function includableTypes(request: SearchRequest): Set<string> {
  const types = new Set<string>();
  const targetsOf = (spec: IncludeSpec) => (spec.targetType ? [spec.targetType] : spec.param.targets.length > 0 ? spec.param.targets : resourceTypes());
  for (const spec of request.include) for (const type of targetsOf(spec)) types.add(type);
  for (const spec of request.revinclude) types.add(spec.sourceType);
  return types;
}
