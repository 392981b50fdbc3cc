import { formatScope } from './format-scope.js';
import { queryImplies } from './query-implies.js';
import { scopeCovers } from './scope-covers.js';
import type { ParsedScope, ResourceScope, ScopeInteraction, ScopeQuery } from './scope-types.js';

const V1_SETS = new Set(['rs', 'cud', 'cruds']);

/**
 * Authorize step: the part of `requested` that the client's registration allows (RFC 7591 §2
 * `scope`: the scope values "that the client can use when requesting access tokens"). What the
 * registration does not allow is dropped, not refused: RFC 6749 §3.3 "The authorization server
 * MAY fully or partially ignore the scope requested by the client, based on the authorization
 * server policy or the resource owner's instructions", and App Launch's token response `scope`
 * is the "Scope of access authorized. Note that this can be different from the scopes requested
 * by the app" (also §"Wildcard scopes": "the scopes ultimately granted by the authorization
 * server may differ from the scopes requested by the client"). Backend Services asks the same
 * ("SHALL mediate the request to assure that the scope requested is within the scope
 * pre-authorized to the client"). If nothing is left the server may still answer `invalid_scope`.
 *
 * A resource scope the registration covers is kept as written. One it covers in part is cut to
 * the overlap: `patient/*.cruds` with `patient/Observation.rs` registered gives
 * `patient/Observation.rs`; `patient/*.read` with `patient/Condition.rs` gives
 * `patient/Condition.read` (still v1); a registered query is added to the request's. Launch,
 * identity, refresh and unknown scopes are kept when registered as such — add the ones your
 * policy always allows (e.g. `launch`) to `allowed` before calling.
 */
export function intersectScopes(requested: readonly ParsedScope[], allowed: readonly ParsedScope[]): ParsedScope[] {
  const result: ParsedScope[] = [];
  const seen = new Set<string>();
  for (const scope of requested) {
    const pieces = scopeCovers(allowed, scope) ? [scope] : scope.kind === 'resource' ? overlaps(scope, allowed) : [];
    for (const piece of pieces) {
      const text = formatScope(piece, 'requested');
      if (seen.has(text)) continue;
      seen.add(text);
      result.push(piece);
    }
  }
  return result;
}

/** `requested` ∩ each allowed resource scope, without pieces that the other pieces already cover. */
function overlaps(requested: ResourceScope, allowed: readonly ParsedScope[]): ResourceScope[] {
  let kept: ResourceScope[] = [];
  for (const scope of allowed) {
    const piece = scope.kind === 'resource' ? overlap(requested, scope) : undefined;
    if (piece === undefined || scopeCovers(kept, piece)) continue;
    kept = [...kept.filter((other) => !scopeCovers([piece], other)), piece];
  }
  return kept;
}

function overlap(a: ResourceScope, b: ResourceScope): ResourceScope | undefined {
  if (a.level !== b.level) return undefined;
  if (a.resourceType !== '*' && b.resourceType !== '*' && a.resourceType !== b.resourceType) return undefined;
  const interactions: ScopeInteraction[] = a.interactions.filter((i) => b.interactions.includes(i));
  if (interactions.length === 0) return undefined;
  const query = bothQueries(a.query, b.query);
  const v1 = a.syntax === 'v1' && query === undefined && V1_SETS.has(interactions.join(''));
  const scope: ResourceScope = {
    kind: 'resource',
    level: a.level,
    resourceType: a.resourceType === '*' ? b.resourceType : a.resourceType,
    interactions,
    syntax: v1 ? 'v1' : 'v2',
  };
  return query === undefined ? scope : { ...scope, query };
}

/** The AND of two queries: the stricter one when one implies the other, else both lists of params. */
function bothQueries(a: ScopeQuery | undefined, b: ScopeQuery | undefined): ScopeQuery | undefined {
  if (queryImplies(a, b)) return a;
  if (queryImplies(b, a)) return b;
  const extra = (b ?? []).filter(([name, value]) => !(a ?? []).some(([n, v]) => n === name && v === value));
  return [...(a ?? []), ...extra];
}
