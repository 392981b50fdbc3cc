import { formatScopes, narrowScopes, parseScopes } from '../../model/index.js';
import { invalidScope } from './oauth-error.js';

/**
 * The `scope` a refresh or a token exchange asks for, checked against what it derives from
 * (RFC 6749 §6, RFC 8693 §2.1): absent → the whole of it; a repeat or a narrowing → that; any
 * widening → `invalid_scope`, naming what widens and from what (`what`).
 */
export function narrowRequestedScope(requestedText: string | undefined, fromScope: string, what: string): string {
  if (requestedText === undefined) return fromScope;
  const requested = parseScopes(requestedText);
  if (requested.invalid.length > 0) throw invalidScope(`Invalid scope "${requested.invalid[0]!.text}"`);
  const narrowed = narrowScopes(requested.scopes, parseScopes(fromScope).scopes);
  if (!narrowed.ok) throw invalidScope(`${what} may not widen: ${formatScopes(narrowed.widening, 'requested')}`);
  return formatScopes(narrowed.scopes, 'requested');
}
