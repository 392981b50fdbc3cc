import { reviewingClientsOf, type SubscriptionStanding } from '../access/index.js';
import type { EventRecord, Store } from '../storage/index.js';

/**
 * Issue 5 c (ADR 0014): review before sending, as the delivery round and `$events` see it. Events
 * are matched and numbered as always; when the subscription's recipient requires review, each
 * event is held (a review item) and goes out only once decided: approved as it is, rejected at
 * `empty` level with the reason. The first event still waiting stops the batch there, so what
 * leaves stays in number order.
 */
export interface Reviewer {
  /** The recipient whose queue the events wait in. */
  clientId: string;
  grantId: string;
  patientId: string | null;
}

export interface Released {
  /** The events that may go out now: a prefix of those given, in number order. */
  events: EventRecord[];
  /** Of those, the ones a clinician rejected, with the reason the recipient is told. */
  rejected: Map<number, string>;
  /** The first event still waiting for a decision (it and everything after it stay), or null. */
  waiting: number | null;
}

/** The `error` note while events wait: the subscription is fine, a clinician has not decided yet. */
export const HELD_NOTE = 'Held for review: ';

/** Whose review, if any, binds a subscription's grant (its client's, or for a derived grant an ancestor's). */
export async function reviewerOf(store: Store, grantId: string | null): Promise<Reviewer | undefined> {
  if (grantId === null) return undefined;
  const grant = await store.auth.getGrant(grantId);
  if (!grant) return undefined;
  return reviewerOfStanding(grantId, { reviewingClients: await reviewingClientsOf(store.auth, grant), patientId: grant.patientId });
}

/** As `reviewerOf`, from a standing already judged. */
export function reviewerOfStanding(grantId: string | null, standing: Pick<SubscriptionStanding, 'reviewingClients' | 'patientId'>): Reviewer | undefined {
  const [clientId] = standing.reviewingClients;
  return grantId === null || clientId === undefined ? undefined : { clientId, grantId, patientId: standing.patientId };
}

/** How many undelivered events one round holds at most (the rest are held by the next rounds). */
const HOLD_BATCH = 1000;

/**
 * Holds every undelivered event not held yet — not only this round's batch: an event waiting
 * behind another must be unreadable too — then releases the decided prefix, up to `maxCount`.
 */
export async function releasable(store: Store, reviewer: Reviewer, subscriptionId: string, lastDelivered: number, maxCount: number, now: number): Promise<Released & { seenUpTo: number }> {
  const events = await store.subscriptions.eventsAfter(subscriptionId, lastDelivered, HOLD_BATCH);
  const seenUpTo = events[events.length - 1]?.eventNumber ?? lastDelivered;
  const released = await release(store, reviewer, subscriptionId, events, now);
  return { ...released, events: released.events.slice(0, maxCount), waiting: released.events.length > maxCount ? null : released.waiting, seenUpTo };
}

async function release(store: Store, reviewer: Reviewer, subscriptionId: string, events: EventRecord[], now: number): Promise<Released> {
  if (events.length === 0) return { events, rejected: new Map(), waiting: null };
  const range = (): Promise<Awaited<ReturnType<Store['review']['itemsOf']>>> =>
    store.review.itemsOf(subscriptionId, events[0]!.eventNumber, events[events.length - 1]!.eventNumber);
  let items = await range();
  const known = new Set(items.map((i) => i.eventNumber));
  const unheld = events.filter((e) => !known.has(e.eventNumber));
  if (unheld.length > 0) {
    await store.review.hold(unheld.map((e) => ({
      subscriptionId, eventNumber: e.eventNumber, clientId: reviewer.clientId, grantId: reviewer.grantId, patientId: reviewer.patientId,
      focusType: e.focusType, focusId: e.focusId, focusVersion: e.focusVersion, interaction: e.interaction, occurredAt: e.occurredAt, heldAt: now,
    })));
    items = await range();
  }
  const byNumber = new Map(items.map((i) => [i.eventNumber, i]));
  const released: EventRecord[] = [];
  const rejected = new Map<number, string>();
  for (const event of events) {
    const item = byNumber.get(event.eventNumber);
    if (!item || item.state === 'pending') return { events: released, rejected, waiting: event.eventNumber };
    if (item.state === 'rejected') rejected.set(event.eventNumber, rejectionReason(item.reason));
    released.push(event);
  }
  return { events: released, rejected, waiting: null };
}

/** What the recipient is told of a rejected event: that a clinician withheld it, and why. */
export function rejectionReason(reason: string | null): string {
  return `withheld at review by a clinician${reason ? `: ${reason}` : ''}`;
}

/** `Type/id` of what the recipient may not see now: notificationShape additions leave these out. */
export async function heldSet(store: Store, reviewer: Reviewer | undefined): Promise<Set<string>> {
  if (!reviewer) return new Set();
  return new Set((await store.review.heldFrom([reviewer.clientId])).map((r) => `${r.resourceType}/${r.id}`));
}
