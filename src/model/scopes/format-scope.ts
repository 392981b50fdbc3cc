import type { ParsedScope, ResourceScope, ScopeSyntax } from './scope-types.js';

/** v2 interactions that v1 could spell (§"Scopes for requesting FHIR Resources"). */
const V1_WORDS: Readonly<Record<string, string>> = { rs: 'read', cud: 'write', cruds: '*' };

/**
 * A scope → its scope-token. `'v2'` (default) is the canonical form (`patient/Observation.rs`);
 * `'requested'` writes a v1 scope back as v1 (`patient/Observation.read`), because servers "SHOULD
 * return v1 scopes when v1 scopes are requested and granted" — use it for the token response's
 * `scope`. Query params keep the order the client wrote them in.
 */
export function formatScope(scope: ParsedScope, syntax: ScopeSyntax = 'v2'): string {
  switch (scope.kind) {
    case 'resource':
      return formatResourceScope(scope, syntax);
    case 'launch':
      return `launch${scope.context === undefined ? '' : `/${scope.context}`}${scope.role === undefined ? '' : `?role=${scope.role}`}`;
    case 'other':
      return scope.text;
    default:
      return scope.kind;
  }
}

/** Scopes → a space-separated `scope` value (RFC 6749 §3.3). */
export function formatScopes(scopes: readonly ParsedScope[], syntax: ScopeSyntax = 'v2'): string {
  return scopes.map((scope) => formatScope(scope, syntax)).join(' ');
}

function formatResourceScope(scope: ResourceScope, syntax: ScopeSyntax): string {
  const letters = scope.interactions.join('');
  const v1Word = syntax === 'requested' && scope.syntax === 'v1' && scope.query === undefined ? V1_WORDS[letters] : undefined;
  const query = scope.query === undefined ? '' : `?${scope.query.map(([name, value]) => `${name}=${value}`).join('&')}`;
  return `${scope.level}/${scope.resourceType}.${v1Word ?? letters}${query}`;
}
