/**
 * Review before sending (issue 5 c, ADR 0014): the events a recipient that requires review would
 * receive, held until a clinician approves or rejects each. Storage keeps them and knows nothing
 * of what they mean; the rules live in `subscriptions` (what a round may send), `access` (what the
 * recipient may read meanwhile) and `consent` (the decisions). Times are epoch ms.
 */

/** A recipient's policy, kept with its client registration (`auth_clients.review`). */
export type ReviewPolicy = 'required' | 'none';

export type ReviewState = 'pending' | 'approved' | 'rejected';

/** One numbered event of one subscription, held for its recipient. */
export interface HeldEvent {
  subscriptionId: string;
  eventNumber: number;
  /** The recipient: the client of the subscription's grant. */
  clientId: string;
  grantId: string | null;
  patientId: string | null;
  focusType: string;
  focusId: string;
  focusVersion: number;
  interaction: string;
  occurredAt: number;
  heldAt: number;
}

export interface ReviewItem extends HeldEvent {
  state: ReviewState;
  /** Why it was rejected (shown to the recipient in `$status`). */
  reason: string | null;
  /** The reviewing clinician's FHIR user. */
  decidedBy: string | null;
  decidedAt: number | null;
}

export interface ReviewDecision {
  state: 'approved' | 'rejected';
  reason: string | null;
  by: string;
  at: number;
}

export interface ReviewKey {
  subscriptionId: string;
  eventNumber: number;
}

export interface ReviewRecords {
  /** Holds these events (pending); an event held before keeps its item and its decision. */
  hold(events: HeldEvent[]): Promise<void>;
  /** This subscription's items numbered in [from, to], in number order. */
  itemsOf(subscriptionId: string, from: number, to: number): Promise<ReviewItem[]>;
  /** The lowest event number of this subscription still waiting for a decision, if any. */
  firstPending(subscriptionId: string): Promise<number | null>;
  /** What waits for a decision, for one recipient (or all), by recipient, subscription and number. */
  pending(clientId: string | null): Promise<ReviewItem[]>;
  /** Recipients with something waiting, and how much. */
  pendingByClient(): Promise<{ clientId: string; pending: number }[]>;
  /** Decided items of one recipient, newest decision first (the page's record of what was done). */
  decided(clientId: string, limit: number): Promise<ReviewItem[]>;
  /**
   * Decides those of `keys` that are still pending and belong to `clientId`, in one transaction;
   * returns what this call decided (a second reviewer's decision on the same item is a no-op).
   */
  decide(clientId: string, keys: ReviewKey[], decision: ReviewDecision): Promise<ReviewItem[]>;
  /**
   * The resources these recipients may not read now: those whose latest held version (for that
   * recipient) is pending or rejected (a later approved version lifts an earlier rejection); the
   * focus of every event of their live subscriptions recorded but not yet held; and, while they
   * have a live subscription, every resource whose change the matcher has not read yet — so no
   * change is readable between its commit and its hold. Throws StorageBusy when the matcher is
   * more than a thousand changes behind (fail closed).
   */
  heldFrom(clientIds: string[]): Promise<{ resourceType: string; id: string }[]>;
}
