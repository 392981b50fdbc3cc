import type { Logger } from '../base/index.js';
import type { EventClaim, EventRecord, RecordedEvents, Store, SubscriptionRecord } from '../storage/index.js';
import { deliverRound, leaseUntil, type RoundDeps } from './deliver-round.js';
import type { EngineOptions } from './engine-options.js';

/** Rounds one claim may run back to back while events keep coming, before the subscription is released to the queue. */
const ROUNDS_PER_CLAIM = 100;

export interface DeliveryWorkersDeps {
  store: Store;
  log: Logger;
  now: () => number;
  options: Pick<EngineOptions, 'concurrency' | 'maxTimeoutSeconds'>;
  /** What every delivery round needs. */
  rounds: RoundDeps;
  /** False once the engine stops: nothing more is claimed, and rounds hand their leases back. */
  running: () => boolean;
  /** Asks the delivery loop for a claim (`claimDue`). */
  wantClaim: () => void;
  /** Makes a subscription due now and asks for a claim (a websocket bound while its round ran). */
  wake: (id: string) => Promise<void>;
}

/**
 * The leased subscriptions of this process and their rounds: who is in flight, which leases the
 * matcher's record may take, when a round's end must ask for a claim. Up to `concurrency` rounds at
 * once, each in the background (a slow endpoint blocks nobody).
 */
export class DeliveryWorkers {
  private readonly inFlight = new Set<Promise<void>>();
  /** Subscriptions with a round in flight here, and those woken meanwhile (woken again once it ends). */
  private readonly inFlightIds = new Set<string>();
  private readonly wokenInFlight = new Set<string>();
  /**
   * Subscriptions with a round in flight here that got events meanwhile, with the last such event's
   * number: its end claims unless its rounds delivered that far (startRounds).
   */
  private readonly recordedInFlight = new Map<string, number>();
  /** More subscriptions were due than slots were free: every round's end claims until a claim finds fewer. */
  private starved = false;
  /** The claims in progress here (claimDue, a record that leases): one at a time (see claimExclusively). */
  private claiming: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DeliveryWorkersDeps) {}

  /** A wake-up for a subscription: one in flight is followed by another round once it ends. */
  woken(id: string): void {
    if (this.inFlightIds.has(id)) this.wokenInFlight.add(id);
  }

  /** Resolves once every round in flight has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims due subscriptions (up to the free slots) and starts their rounds. */
  claimDue(): Promise<void> {
    return this.claimExclusively(async () => {
      const free = this.deps.options.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const now = this.deps.now();
      const claimed = await this.deps.store.subscriptions.claimDue(now, leaseUntil(now, this.deps.options), free);
      // As many as there was room for: more may be due.
      this.starved = claimed.length === free;
      for (const record of claimed) this.startRounds(record);
    });
  }

  /**
   * The matcher's record leases, in the same statement, the subscriptions that get events and have
   * no round here (up to the free slots), and their rounds start at once: no claim statement and
   * no wake-up between the record and the send (a round trip each on PostgreSQL).
   */
  recordClaiming(subscriptionIds: string[], record: (claim: EventClaim | undefined) => Promise<RecordedEvents>): Promise<RecordedEvents> {
    return this.claimExclusively(async () => {
      const free = this.deps.options.concurrency - this.inFlight.size;
      const idle = subscriptionIds.filter((id) => !this.inFlightIds.has(id));
      const ids = this.deps.running() ? idle.slice(0, Math.max(0, free)) : [];
      if (ids.length < idle.length) this.starved = true;
      const recorded = await record(ids.length > 0 ? { ids, leaseUntil: leaseUntil(this.deps.now(), this.deps.options) } : undefined);
      for (const claimed of recorded.claimed) this.startRounds(claimed, upcomingOf(claimed, recorded.events));
      this.recorded(recorded.events, new Set(ids));
      return recorded;
    });
  }

  /**
   * New events (`offered`: the subscriptions the record tried to lease). A claim only for a
   * subscription that is neither in a round here — that round continues while events are pending,
   * and its end claims if these came too late for it (startRounds) — nor offered to the record's
   * lease, which took it if a claim would have. Saves a claim statement that finds nothing (a
   * round trip on PostgreSQL) per recorded batch.
   */
  private recorded(events: readonly EventRecord[], offered: ReadonlySet<string>): void {
    let claim = false;
    for (const { subscriptionId: id, eventNumber } of events) {
      if (this.inFlightIds.has(id)) this.recordedInFlight.set(id, Math.max(eventNumber, this.recordedInFlight.get(id) ?? 0));
      else if (!offered.has(id)) claim = true;
    }
    if (claim) this.deps.wantClaim();
  }

  /**
   * Claims here run one after another, each starting its rounds before the next begins: a record
   * that leases tells its leases from others' by their values (recordEventsClaiming), which holds
   * only if no claimDue of this process could have set the same ones in between.
   */
  private claimExclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.claiming.then(work, work);
    this.claiming = run.catch(() => undefined);
    return run;
  }

  /** Runs a leased subscription's rounds in the background; `upcoming`: deliverRound's `prefetched`. */
  private startRounds(record: SubscriptionRecord, upcoming?: EventRecord[]): void {
    this.inFlightIds.add(record.id);
    const round = this.roundsOf(record, upcoming)
      .catch((error: unknown) => {
        this.deps.log.error({ err: error, subscription: record.id }, 'delivery round failed');
        return { cutShort: true, lastDelivered: record.lastDelivered };
      })
      .then(async (ended) => {
        this.inFlight.delete(round);
        this.inFlightIds.delete(record.id);
        // A socket bound while the round ran: its finish may have put the next round off; bring it back.
        if (this.wokenInFlight.delete(record.id)) await this.deps.wake(record.id).catch(() => undefined);
        // A claim when this subscription may be due with no round (events recorded while it ran that
        // its rounds did not deliver — too late for the last one's look —, its rounds cut short) or
        // others wait for the slot it frees.
        const recordedMeanwhile = this.recordedInFlight.get(record.id) ?? 0;
        this.recordedInFlight.delete(record.id);
        if (recordedMeanwhile > ended.lastDelivered || ended.cutShort || this.starved) this.deps.wantClaim();
      });
    this.inFlight.add(round);
  }

  /**
   * A claimed subscription's rounds: while events are pending after a delivered round, the next
   * follows at once under the same lease (up to ROUNDS_PER_CLAIM, then others get their turn) —
   * with a backlog, before the previous round's bookkeeping committed (deliverRound). Resolves once
   * the last round's bookkeeping is done, with the last event number delivered and whether the
   * rounds were cut short (events may wait).
   */
  private async roundsOf(claimed: SubscriptionRecord, upcoming?: EventRecord[]): Promise<{ cutShort: boolean; lastDelivered: number }> {
    let record: SubscriptionRecord | undefined = claimed;
    let finishing: Promise<SubscriptionRecord | undefined> | undefined;
    let lastDelivered = claimed.lastDelivered;
    try {
      let round = 1;
      let prefetched = upcoming;
      for (; record !== undefined; round++) {
        const end = await deliverRound(this.deps.rounds, record, this.deps.running() && round < ROUNDS_PER_CLAIM, finishing, prefetched);
        ({ next: record, finishing, upcoming: prefetched } = end);
        lastDelivered = Math.max(lastDelivered, end.lastDelivered);
        // Stopped while a round kept the lease: hand it back, due now, for the next start.
        if (record !== undefined && !this.deps.running()) {
          await finishing;
          await this.deps.store.subscriptions.releaseLease(record.id);
          return { cutShort: false, lastDelivered };
        }
      }
      // Cut short with events perhaps pending: released due, for the next claim.
      return { cutShort: round > ROUNDS_PER_CLAIM, lastDelivered };
    } finally {
      // A round that failed before its own bookkeeping leaves its predecessor's in flight: waited for
      // (its failure is logged here; the lease then runs out and the round is taken again).
      await finishing?.catch((error: unknown) => this.deps.log.error({ err: error, subscription: claimed.id }, 'recording a delivery failed'));
    }
  }
}

/**
 * A subscription the record just leased, and its events of that record: when they are all it has
 * undelivered and each comes with its focus version, they are what its first round would read.
 */
function upcomingOf(claimed: SubscriptionRecord, events: readonly EventRecord[]): EventRecord[] | undefined {
  const own = events.filter((e) => e.subscriptionId === claimed.id);
  if (own.length === 0 || own.some((e) => e.focus === undefined)) return undefined;
  return claimed.lastDelivered === claimed.eventsSinceStart - own.length ? own : undefined;
}
