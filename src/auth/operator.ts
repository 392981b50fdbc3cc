import type { AuthContext } from './auth-context.js';
import { sameSecret } from './secrets.js';

/** The operator's bearer secret (`--operator-token`), compared in constant time; off when unset. */
export function operatorAuthorized(ctx: Pick<AuthContext, 'operatorToken'>, authorization: string | undefined): boolean {
  if (!ctx.operatorToken || !authorization) return false;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  return match !== null && sameSecret(match[1]!, ctx.operatorToken);
}
