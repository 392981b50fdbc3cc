import type { AuthRecords } from '../../storage/index.js';
import { reviewingClientsOf } from '../review/held-resources.js';
import { authorityOfGrant, GRANT_GONE, OPEN_AUTHORITY, type SubscriptionAuthority } from './subscription-authority.js';

/** What a delivery round must know of a subscription's grant before it sends. */
export interface SubscriptionStanding {
  authority: SubscriptionAuthority;
  /** Issue 5 c: the clients whose review binds the grant (its own, or an ancestor's), first the nearest. */
  reviewingClients: string[];
  /** The grant's patient (null: none, or no grant). */
  patientId: string | null;
}

interface Trusted {
  standing: SubscriptionStanding;
  checkedAt: number;
  epoch: number;
  until: number | null;
}

const OPEN: SubscriptionStanding = { authority: OPEN_AUTHORITY, reviewingClients: [], patientId: null };
/** Grants remembered at most; past it the memory starts over (a cache, not a registry). */
const MAX_REMEMBERED = 10_000;

/**
 * A subscription grant's standing, judged at the start of a delivery round and again right before
 * its send, under the rule bearer tokens follow (`createAuthenticator`): once read from storage it
 * is trusted for `trustMs` (`--token-check-cache-ms`) unless this process learned of a revocation
 * since (`AuthRecords.revocationEpoch`: its own revocations and review-policy changes at once,
 * another PostgreSQL process's through NOTIFY) or the grant's own lifetime ends. So a revocation
 * still stops the very next send here; what it saves is the ~6 primary-key reads a round made
 * (3 on PostgreSQL, each a round trip in the latency) for a grant nobody touched. 0: read every time.
 */
export class SubscriptionStandings {
  private readonly trusted = new Map<string, Trusted>();

  constructor(private readonly records: AuthRecords, private readonly trustMs: number) {}

  async of(grantId: string | null, now: number): Promise<SubscriptionStanding> {
    if (grantId === null) return OPEN;
    const remembered = this.trusted.get(grantId);
    if (remembered && remembered.epoch === this.records.revocationEpoch() && now - remembered.checkedAt < this.trustMs
      && (remembered.until === null || remembered.until > now)) return remembered.standing;

    // The epoch is read before the reads: a revocation that lands while we wait makes this answer stale at once.
    const epoch = this.records.revocationEpoch();
    const grant = await this.records.getGrant(grantId);
    if (!grant) return { authority: GRANT_GONE, reviewingClients: [], patientId: null };
    const [authority, reviewingClients] = await Promise.all([authorityOfGrant(this.records, grant, now), reviewingClientsOf(this.records, grant)]);
    const standing = { authority, reviewingClients, patientId: grant.patientId };
    if (this.trustMs > 0 && authority.alive) {
      if (this.trusted.size >= MAX_REMEMBERED) this.trusted.clear();
      this.trusted.set(grantId, { standing, checkedAt: now, epoch, until: authority.aliveUntil });
    } else this.trusted.delete(grantId);
    return standing;
  }
}
