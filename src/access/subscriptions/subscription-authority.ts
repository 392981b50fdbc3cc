import { formatScopes, intersectScopes, parseScopes } from '../../model/index.js';
import type { AuthRecords, GrantRecord } from '../../storage/index.js';
import { OPEN_ACCESS, type AccessContext } from '../caller.js';
import { callerOfGrant } from '../tokens/caller-of-grant.js';
import { grantLiveness } from '../tokens/grant-liveness.js';

/**
 * What a subscription may do now, judged from the grant recorded with it (issue 4 b: "at send time
 * the content is checked again against the grant as it is now"):
 * - dead: the subscription turns `off` with `reason`, nothing more is sent;
 * - alive: `access` is the grant's current authority, for `decideAccess` / `resourceVisible`;
 *   `lifetimeEnd` is when the grant ends if nothing renews it (null: no end of its own).
 *
 * A backend service's grant lives as long as its five-minute token, but the service's authority
 * is its pre-authorization (SMART Backend Services: the scopes the client is registered for).
 * So a backend grant stays alive for its subscriptions unless revoked or its client is gone, and
 * its scopes are cut to what the registration allows today — an operator narrowing the client
 * narrows its notifications. The engine caps a backend subscription's `end` (engine options).
 */
export type SubscriptionAuthority =
  | {
    alive: true; access: AccessContext; lifetimeEnd: number | null; backend: boolean;
    /** When the grant or one it derives from ends if nothing renews it (null: none): how long "alive" may be trusted, revocation aside. */
    aliveUntil: number | null;
  }
  | { alive: false; reason: string };

/** A subscription without a grant (`--open`): everything, with no end. */
export const OPEN_AUTHORITY: SubscriptionAuthority = { alive: true, access: OPEN_ACCESS, lifetimeEnd: null, backend: false, aliveUntil: null };
/** A subscription whose grant row is gone. */
export const GRANT_GONE: SubscriptionAuthority = { alive: false, reason: 'the grant that created the subscription no longer exists' };

export async function subscriptionAuthority(records: AuthRecords, grantId: string | null, now: number): Promise<SubscriptionAuthority> {
  if (grantId === null) return OPEN_AUTHORITY;
  const grant = await records.getGrant(grantId);
  return grant ? authorityOfGrant(records, grant, now) : GRANT_GONE;
}

/** As `subscriptionAuthority`, for a grant record already read. */
export async function authorityOfGrant(records: AuthRecords, grant: GrantRecord, now: number): Promise<SubscriptionAuthority> {
  if (grant.kind === 'backend') {
    if (grant.revokedAt !== null) return { alive: false, reason: 'the grant was revoked' };
    const client = await records.getClient(grant.clientId);
    if (!client) return { alive: false, reason: 'the client is no longer registered' };
    const scope = formatScopes(intersectScopes(parseScopes(grant.scope).scopes, parseScopes(client.scope).scopes), 'requested');
    return { alive: true, access: { open: false, caller: callerOfGrant(grant, scope, '') }, lifetimeEnd: null, backend: true, aliveUntil: null };
  }
  const liveness = await grantLiveness(records, grant, now);
  if (!liveness.alive) return { alive: false, reason: liveness.reason };
  const ends = [grant.expiresAt, grant.idleExpiresAt].filter((t): t is number => t !== null);
  return { alive: true, access: { open: false, caller: callerOfGrant(grant, grant.scope, '') }, lifetimeEnd: ends.length > 0 ? Math.min(...ends) : null,
    backend: false, aliveUntil: liveness.until };
}
