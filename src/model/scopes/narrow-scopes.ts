import { scopeCovers } from './scope-covers.js';
import type { ParsedScope } from './scope-types.js';

export type Narrowed =
  | { readonly ok: true; readonly scopes: ParsedScope[] }
  /** `widening`: the requested scopes the grant does not cover — name them in `invalid_scope`. */
  | { readonly ok: false; readonly widening: ParsedScope[] };

/**
 * Refresh (and token exchange, and any derived grant): may the client have `requested`, cut from
 * `granted`? App Launch "Refresh access token": the `scope` "must be a strict sub-set of the
 * scopes granted in the original launch (no new permissions can be obtained at refresh time)";
 * RFC 6749 §6: "MUST NOT include any scope not originally granted … if omitted is treated as
 * equal to the scope originally granted". We read "strict sub-set" as "subset" (asking again for
 * exactly the grant is what omitting `scope` means anyway).
 *
 * Every requested scope must be covered by the grant as a whole (`scopeCovers`): same level; same
 * type, or `*` granted; no new interaction (v1 `read` is v2 `rs`); a granted query kept or
 * tightened (`patient/Condition.rs` → `patient/Condition.rs?category=…` narrows, the reverse
 * widens); launch, identity, refresh and unknown scopes present in the grant. On success the new
 * token's scopes are the requested ones, in the syntax the client used.
 */
export function narrowScopes(requested: readonly ParsedScope[], granted: readonly ParsedScope[]): Narrowed {
  const widening = requested.filter((scope) => !scopeCovers(granted, scope));
  return widening.length === 0 ? { ok: true, scopes: [...requested] } : { ok: false, widening };
}

export function isNarrowing(requested: readonly ParsedScope[], granted: readonly ParsedScope[]): boolean {
  return narrowScopes(requested, granted).ok;
}
