import type { Clock, Logger } from '../base/index.js';
import { subscriptionAuthority } from '../access/index.js';
import type { Store } from '../storage/index.js';

/**
 * Issue 4 (b): "a revoked or expired grant turns the subscription `off` at once". Judges the
 * grant of every subscription that is not off (or only of those of the `only` grants) — each
 * grant once — and turns the subscriptions of dead grants off. Run for the revoked grants when a
 * grant is revoked (the HTTP assembly wires revocation to the engine), then for all (derived
 * grants die with their parent, so a revocation can end grants it does not name), and
 * periodically for grants that expire on their own; a
 * delivery round also judges the grant before each send, so this is about `$status` telling the
 * truth at once, not about what is sent. Returns how many subscriptions it turned off.
 */
export async function turnOffDeadGrants(deps: { store: Store; clock: Clock; log: Logger }, only?: string[]): Promise<number> {
  const bySubscriptionGrant = new Map<string, string[]>();
  for (const { id, grantId } of await deps.store.subscriptions.liveSubscriptionGrants(only)) {
    bySubscriptionGrant.set(grantId, [...(bySubscriptionGrant.get(grantId) ?? []), id]);
  }
  let turnedOff = 0;
  for (const grantId of bySubscriptionGrant.keys()) {
    const now = deps.clock.now().getTime();
    const authority = await subscriptionAuthority(deps.store.auth, grantId, now);
    if (authority.alive) continue;
    for (const id of bySubscriptionGrant.get(grantId)!) {
      if (await deps.store.subscriptions.turnOff(id, `Turned off: ${authority.reason}`, now)) {
        turnedOff++;
        deps.log.info({ subscription: id, reason: authority.reason }, 'subscription turned off: its grant ended');
      }
    }
  }
  return turnedOff;
}
