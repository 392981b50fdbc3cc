import type { DisclosureRecord } from '../consent/consent-records.js';

/**
 * The subscriptions engine's records. Storage keeps them and knows nothing of what they mean:
 * topics, filters and delivery rules live in `model/subscriptions` and `subscriptions/`. Times
 * are epoch ms; `settings` is the engine's JSON (the validated subscription settings).
 */
export type SubscriptionState = 'requested' | 'active' | 'error' | 'off';

/** What a matcher's record numbered, and the subscriptions it leased (recordEventsClaiming). */
export interface RecordedEvents {
  events: EventRecord[];
  claimed: SubscriptionRecord[];
}

/** Which subscriptions a matcher's record may lease for this process, and until when (recordEventsClaiming). */
export interface EventClaim {
  ids: string[];
  leaseUntil: number;
}

export interface SubscriptionRecord {
  id: string;
  grantId: string | null;
  topicUrl: string;
  patientKey: string | null;
  settings: string;
  status: SubscriptionState;
  /** The last event number handed out (0 = none yet). */
  eventsSinceStart: number;
  /** Every event up to this number was delivered (or skipped by a re-handshake). */
  lastDelivered: number;
  error: string | null;
  failingSince: number | null;
  failures: number;
  nextAttemptAt: number | null;
  leasedUntil: number | null;
  lastSentAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewSubscription {
  id: string;
  grantId: string | null;
  topicUrl: string;
  patientKey: string | null;
  settings: string;
  status: SubscriptionState;
  now: number;
}

export type EventInteraction = 'create' | 'update' | 'delete';

export interface NewEvent {
  subscriptionId: string;
  focusType: string;
  focusId: string;
  focusVersion: number;
  interaction: EventInteraction;
  occurredAt: number;
}

export interface EventRecord extends NewEvent {
  eventNumber: number;
  recordedAt: number;
  deliveredAt: number | null;
  /**
   * The focus version as stored (`eventsWithFocusAfter` only): read with the event, so a delivery
   * round needs one read, not two, before its send. Null: read, and no longer stored; absent: not read.
   */
  focus?: { lastUpdated: number; deleted: boolean; json: string | null } | null;
}

export interface DeliveryAttempt {
  subscriptionId: string;
  attemptedAt: number;
  kind: 'handshake' | 'heartbeat' | 'event-notification';
  firstEvent: number | null;
  lastEvent: number | null;
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** What a delivery round changes on its subscription when it ends (and the lease is released). */
export interface DeliveryOutcome {
  status: SubscriptionState;
  error: string | null;
  failingSince: number | null;
  failures: number;
  /** Raise `last_delivered` to this (never lowers it). */
  lastDelivered: number;
  lastSentAt: number | null;
  /** When to come back if nothing else is pending (a heartbeat, a retry); null = only on new events. */
  nextAttemptAt: number | null;
  /** When events are still pending after this round, come back at `now` instead of `nextAttemptAt`. */
  continueIfPending: boolean;
  /**
   * The highest event number the round looked at (issue 5 c: events waiting for review): events
   * numbered above it, recorded while the round ran, bring it back at `now` even without `continueIfPending`.
   */
  seenUpTo?: number;
  /** The status when the round claimed the subscription: a change by the subscriber since wins. */
  claimedStatus: SubscriptionState;
  now: number;
  /** The round's attempt, recorded in the same transaction (one commit per round instead of three). */
  attempt?: DeliveryAttempt;
  /**
   * Marks the events after `after` (the round's starting point) up to `lastDelivered` delivered at
   * `at`, in the same transaction. The lower bound keeps the statement to the round's own events:
   * without it every round re-read the subscription's whole retained history.
   */
  delivered?: { at: number; after: number };
  /**
   * Keep the lease until this time when events are still pending (and `continueIfPending`): the
   * next round starts at once in the same worker, without a claim — one write per round instead
   * of two (a round trip and an fsync on PostgreSQL).
   */
  keepLeaseUntil?: number;
  /**
   * With the lease kept: up to this many of the events after the delivered ones, with their focus
   * (as eventsWithFocusAfter), read in the same statement for the next round — on PostgreSQL, where
   * a read is a round trip; SQLite reads none (the next round reads in-process). A prefix of what is
   * pending, possibly empty: the next round reads itself when it got none.
   */
  upcoming?: number;
  /** The disclosure log's record of what the round sent (issue 5), written in the same transaction. */
  disclosure?: DisclosureRecord;
}

export interface SubscriptionRecords {
  insertSubscription(subscription: NewSubscription): Promise<void>;
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  listSubscriptions(): Promise<SubscriptionRecord[]>;
  /**
   * New settings (an update). The status is the one in storage unless `turnOff` (the subscriber
   * set `off`) or `restart`: never one read before — a delivery or revocation that changed it
   * meanwhile must not be undone.
   */
  updateSubscription(id: string, change: {
    grantId: string | null; topicUrl: string; patientKey: string | null; settings: string; now: number;
    turnOff?: boolean;
    /** Also restart (as restartSubscription), in the same statement. */
    restart?: boolean;
  }): Promise<boolean>;
  /** Re-handshake: deliveries resume with events after the current counter (the backlog stays for $events). */
  restartSubscription(id: string, now: number): Promise<boolean>;
  deleteSubscription(id: string): Promise<boolean>;
  /** Due now (a websocket bound to it): its next round comes at once; its state is kept. False when unknown or off. */
  wakeSubscription(id: string, now: number): Promise<boolean>;
  /** Gives back a lease this process holds (a worker stopping between rounds); the subscription is due at once. */
  releaseLease(id: string): Promise<void>;
  /**
   * Every subscription that is not off, and the catalog version they are as of (one snapshot).
   * Inserts, updates, restarts and deletes move the version in their own transaction; turning off
   * does not (the record drops an off subscription's events), nor does delivery's bookkeeping.
   */
  catalog(): Promise<{ version: string; subscriptions: SubscriptionRecord[] }>;

  /** The matcher's position in the change log ('' = from the start). */
  readCursor(matcher: string): Promise<string>;
  /**
   * Numbers and stores `events` and moves the matcher's cursor from `from` to `to`, in one
   * transaction: both happen or neither. Refused (StorageConflict) when the cursor is no longer
   * at `from` — another matcher got there first.
   */
  recordEvents(matcher: string, from: string, to: string, events: NewEvent[], now: number): Promise<EventRecord[]>;
  /**
   * recordEvents, and in the same statement (PostgreSQL) or transaction (SQLite) the lease of each
   * subscription of `claim.ids` that claimDue would take once the events are recorded — due, not
   * off, its lease free — as claimDue takes it. The matcher hands those straight to a round: no
   * claim statement, no wake-up between the record and the send. The caller must not claim
   * (claimDue) at the same time, and names only subscriptions with no round in flight here.
   */
  recordEventsClaiming(matcher: string, from: string, to: string, events: NewEvent[], now: number,
    claim?: EventClaim): Promise<RecordedEvents>;

  /** Leases up to `limit` subscriptions whose next attempt is due; nobody else gets them until `leaseUntil`. */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<SubscriptionRecord[]>;
  /** Events after `afterNumber`, in number order. */
  eventsAfter(id: string, afterNumber: number, limit: number): Promise<EventRecord[]>;
  /** As eventsAfter, each event with its `focus` version read in the same statement. */
  eventsWithFocusAfter(id: string, afterNumber: number, limit: number): Promise<EventRecord[]>;
  /** $events: the retained events numbered in [since, until]. */
  eventsBetween(id: string, since: number, until: number): Promise<EventRecord[]>;
  /**
   * Ends a delivery round: records its outcome and releases the lease — or keeps it (see
   * `keepLeaseUntil`) and returns the subscription as a claim would, for the next round (with
   * `upcoming` events when asked, see DeliveryOutcome.upcoming).
   */
  finishDelivery(id: string, outcome: DeliveryOutcome): Promise<(SubscriptionRecord & { upcoming?: EventRecord[] }) | undefined>;
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  attemptsOf(id: string, limit: number): Promise<DeliveryAttempt[]>;
  /** Subscriptions not off that belong to a grant (to one of `grantIds` when given): the grant sweep judges each grant once. */
  liveSubscriptionGrants(grantIds?: string[]): Promise<{ id: string; grantId: string }[]>;
  /** Turns a subscription off with `error` (its grant ended); false if it was off already or is gone. */
  turnOff(id: string, error: string, now: number): Promise<boolean>;
  /** For the gauges: events still owed (subscriptions not off) and subscriptions by status. */
  backlog(): Promise<{ undeliveredEvents: number; subscriptionsByStatus: Record<string, number> }>;
  /** Retention: drops delivered events and attempts older than `before`; returns how many rows went. */
  pruneBefore(before: number): Promise<number>;
}
