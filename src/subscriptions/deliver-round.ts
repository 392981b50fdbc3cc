import { newId, type Clock, type Logger, type Metrics } from '../base/index.js';
import { notificationBundle, type NotificationEvent, type NotificationType, type SubscriptionSettings, type TopicRegistry } from '../model/index.js';
import type { SubscriptionStandings } from '../access/index.js';
import type { DeliveryOutcome, EventRecord, Store, SubscriptionRecord } from '../storage/index.js';
import { backOff } from './back-off.js';
import { recordSendMetrics } from './delivery-metrics.js';
import type { EngineOptions } from './engine-options.js';
import { notificationEvents } from './notification-content.js';
import type { RestHookSender, SendResult } from './rest-hook-sender.js';
import { disclosedReferences, type OnDisclosed } from './disclosed-notification.js';
import type { NotificationSigner } from './sign-notification.js';
import type { WebsocketHub } from './websocket/websocket-hub.js';
import { heldSet, HELD_NOTE, releasable, reviewerOfStanding } from './review-gate.js';

/**
 * One delivery round of one claimed subscription: a handshake if it is `requested`, else the
 * next batch of up to `maxCount` events in number order, else a heartbeat if one is due
 * (Backport IG "Handshake", "Heartbeats", "Notifications"). At least once: events are marked
 * delivered only after the endpoint answered 2xx, so a crash before that resends them.
 * While failing the subscription shows `error` with the reason and retries with back-off; once
 * the budget is spent it stays in `error` (no next attempt) until the subscriber asks again.
 */
export interface RoundDeps {
  store: Store;
  topics: TopicRegistry;
  clock: Clock;
  log: Logger;
  send: RestHookSender;
  /** The grants' standing, judged at the start of a round and right before its send. */
  standings: SubscriptionStandings;
  metrics?: Metrics;
  /** Signs each rest-hook body (a detached JWS); unsigned without it. */
  sign?: NotificationSigner;
  /** The websocket channel: notifications of `websocket` subscriptions are written to the sockets bound here. */
  sockets?: WebsocketHub;
  options: EngineOptions;
  random?: () => number;
  /** Issue 5: the disclosure log hears of every accepted notification. */
  onDisclosed?: OnDisclosed;
}

export const HANDSHAKE_FAILED = 'Handshake failed: ';
/** The `error` note of events sent at `empty` level; it stays until a failure or another such note replaces it. */
export const WITHHELD_NOTE = 'Sent at empty level: ';
/**
 * A subscription waiting for a clinician looks again this often (ms). A decision wakes it at once,
 * and so does `handover client review … none`; this covers the one race that wake can lose — a
 * round woken while this process still trusts the grant's earlier standing (SubscriptionStandings,
 * `--token-check-cache-ms`). Not shorter: each look is a round and a write per waiting subscription.
 */
const REVIEW_RECHECK_MS = 30_000;

/**
 * How a round ended. `next`: the subscription for the next round under the same lease, or
 * undefined (the lease is released). `finishing`: set when the round went on before its bookkeeping
 * committed (below); the next round's bookkeeping waits for it, and the caller for the last one.
 */
export interface RoundEnd {
  next: SubscriptionRecord | undefined;
  finishing?: Promise<SubscriptionRecord | undefined>;
  /** The last event number delivered once the round's bookkeeping commits (that before it when it sent none). */
  lastDelivered: number;
  /** The next round's events, when the bookkeeping that kept the lease read them (`prefetched` of the next round). */
  upcoming?: EventRecord[];
}

/**
 * With `mayContinue`, a delivered round keeps the lease while events are pending and returns the
 * subscription for the next round (no claim between them); otherwise the lease is released.
 *
 * When the endpoint accepted the notification and more events wait than it carried, the next round
 * starts at once while this one's finishing statement (attempt, delivered mark, disclosure) commits:
 * a backlog goes out one acknowledged notification after another instead of one commit after
 * another. Order is kept (nothing is sent before the endpoint answered the notification before it),
 * and so is at-least-once: each round's bookkeeping commits after its predecessor's (`previous`),
 * and not at all if that failed — the round then fails, the lease runs out, and the events from
 * the last committed mark are sent again.
 *
 * `prefetched`: the events after `record.lastDelivered` with their focus, when the caller has them
 * (the matcher just recorded them): the round reads none.
 */
export async function deliverRound(deps: RoundDeps, record: SubscriptionRecord, mayContinue = false,
  previous?: Promise<unknown>, prefetched?: EventRecord[]): Promise<RoundEnd> {
  const settings = JSON.parse(record.settings) as SubscriptionSettings;
  const now = deps.clock.now().getTime();
  const finishing = async (outcome: Omit<DeliveryOutcome, 'claimedStatus' | 'now'>) => {
    await previous;
    return deps.store.subscriptions.finishDelivery(record.id, { ...outcome, claimedStatus: record.status, now: deps.clock.now().getTime() });
  };
  const finish = async (outcome: Omit<DeliveryOutcome, 'claimedStatus' | 'now'>): Promise<RoundEnd> => {
    const next = await finishing(outcome);
    return { next, lastDelivered: outcome.lastDelivered, ...(next?.upcoming?.length ? { upcoming: next.upcoming } : {}) };
  };
  const heartbeatAfter = (sentAt: number | null) => (settings.heartbeatSeconds !== null && sentAt !== null ? sentAt + settings.heartbeatSeconds * 1000 : null);

  // R5 Subscription.end: "the time for the server to turn the subscription off".
  if (settings.end !== null && now >= settings.end) {
    deps.sockets?.stopped(record.id, 'its end has passed');
    return finish({ status: 'off', error: null, failingSince: null, failures: 0, lastDelivered: record.lastDelivered, lastSentAt: null, nextAttemptAt: null, continueIfPending: false });
  }

  const turnOff = (reason: string) => {
    deps.log.info({ subscription: record.id, reason }, 'subscription turned off: its grant ended');
    deps.sockets?.stopped(record.id, `turned off: ${reason}`);
    return finish({ status: 'off', error: `Turned off: ${reason}`, failingSince: null, failures: 0, lastDelivered: record.lastDelivered,
      lastSentAt: null, nextAttemptAt: null, continueIfPending: false });
  };

  // Read beside the grant check rather than after it: one round trip fewer before the send
  // (unused by a handshake, under review, or when the grant is dead).
  // One event more than a notification carries: whether more wait after it (see above).
  const upcoming = prefetched ? Promise.resolve(prefetched.slice(0, settings.maxCount + 1))
    : deps.store.subscriptions.eventsWithFocusAfter(record.id, record.lastDelivered, settings.maxCount + 1);
  upcoming.catch(() => undefined);
  // Issue 4 (b): the grant as it is now, before every send. Revoked or expired: off at once, nothing sent.
  // Issue 5 c: with it, whose review binds it.
  const standing = await deps.standings.of(record.grantId, now);
  const authority = standing.authority;
  if (!authority.alive) return turnOff(authority.reason);

  const websocket = settings.channelType === 'websocket' ? deps.sockets : undefined;
  // Websocket: a handshake on every socket that binds (Backport IG "Websockets"), whatever the status.
  const needsHandshake = record.status === 'requested' || (record.error?.startsWith(HANDSHAKE_FAILED) ?? false)
    || (websocket?.needsHandshake(record.id) ?? false);
  // Issue 5 c: a recipient that requires review gets only what a clinician decided, in number order.
  const reviewer = reviewerOfStanding(record.grantId, standing);
  let type: NotificationType;
  let events: Awaited<ReturnType<typeof deps.store.subscriptions.eventsAfter>> = [];
  let rejected = new Map<number, string>();
  let waiting: number | null = null;
  let seenUpTo: number | undefined;
  let morePending = false;
  if (needsHandshake) type = 'handshake';
  else {
    if (reviewer) ({ events, rejected, waiting, seenUpTo } = await releasable(deps.store, reviewer, record.id, record.lastDelivered, settings.maxCount, now));
    else {
      events = await upcoming;
      morePending = events.length > settings.maxCount;
      events = events.slice(0, settings.maxCount);
    }
    if (events.length > 0) type = 'event-notification';
    else if (heartbeatAfter(record.lastSentAt) !== null && now >= heartbeatAfter(record.lastSentAt)!) type = 'heartbeat';
    else {
      // Waiting for a clinician is not a failure: no retry, no back-off; the decision wakes the subscription.
      const error = waiting !== null && (record.error === null || record.error.startsWith(HELD_NOTE))
        ? `${HELD_NOTE}event ${waiting} and any after it wait for a clinician's review` : record.error;
      return finish({ status: record.status, error, failingSince: record.failingSince, failures: record.failures,
        lastDelivered: record.lastDelivered, lastSentAt: null, nextAttemptAt: nextLook(heartbeatAfter(record.lastSentAt), waiting, now), continueIfPending: waiting === null,
        ...(seenUpTo !== undefined ? { seenUpTo } : {}) });
    }
  }

  const lastEvent = events[events.length - 1]?.eventNumber ?? null;
  const notified = await notificationEvents({ store: deps.store, topics: deps.topics, fhirBase: deps.options.fhirBase, access: authority.access, now,
    rejected, ...(reviewer ? { hidden: await heldSet(deps.store, reviewer) } : {}) }, settings.topicUrl, events, settings.content);
  const note = withheldNote(notified);
  const bundle = notificationBundle({
    id: newId(), subscriptionUrl: `${deps.options.fhirBase}/Subscription/${record.id}`, topicUrl: settings.topicUrl,
    status: type === 'handshake' ? 'requested' : 'active', type,
    // Events still held for review are not announced: the recipient must not go looking for them.
    eventsSinceSubscriptionStart: reviewer ? Math.max(record.lastDelivered, lastEvent ?? 0) : Math.max(record.eventsSinceStart, lastEvent ?? 0),
    content: settings.content, fhirBase: deps.options.fhirBase, now,
    ...(note ? { error: note } : {}),
    events: notified,
  });
  const body = JSON.stringify(bundle);
  const timeoutMs = settings.timeoutSeconds * 1000;
  const signature = !websocket && deps.sign ? await deps.sign(body) : undefined;
  // Judged once more right before the send: a revocation that committed while the round read
  // and built the notification stops it here, not after it went out.
  // (Read again unless nothing was revoked here since and the standing is fresh: SubscriptionStandings.)
  if (record.grantId !== null) {
    const last = (await deps.standings.of(record.grantId, deps.clock.now().getTime())).authority;
    if (!last.alive) return turnOff(last.reason);
  }
  let result: SendResult | undefined;
  if (websocket) result = await websocket.send(record.id, type, body, timeoutMs);
  else {
    result = await deps.send({ endpoint: settings.endpoint, payload: settings.payload, headers: settings.headers, body, timeoutMs,
      ...(signature !== undefined ? { signature } : {}) });
  }
  if (!result) {
    // Websocket with no socket able to take it: not a failure. The events wait (and stay in
    // $events) until a socket binds, which brings the subscription back at once.
    return finish({ status: record.status, error: record.error, failingSince: record.failingSince, failures: record.failures,
      lastDelivered: record.lastDelivered, lastSentAt: null, nextAttemptAt: null, continueIfPending: false });
  }
  recordSendMetrics(deps.metrics, { channel: settings.channelType, type, ok: result.ok, retry: record.failures > 0,
    occurredAt: events.map((e) => e.occurredAt), answeredAt: deps.clock.now().getTime() });
  // The attempt, the delivered mark and the round's outcome commit together: one transaction per
  // round (they competed with writes for the one SQLite writer as three).
  const attempt = {
    subscriptionId: record.id, attemptedAt: now, kind: type === 'handshake' || type === 'heartbeat' ? type : 'event-notification' as const,
    firstEvent: events[0]?.eventNumber ?? null, lastEvent, ok: result.ok, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error,
  };

  if (result.ok) {
    const sentAt = deps.clock.now().getTime();
    const disclosure = await deps.onDisclosed?.({ subscriptionId: record.id, grantId: record.grantId,
      ...(authority.access.open ? {} : { clientId: authority.access.caller.clientId }), eventNumbers: notified.map((e) => e.eventNumber), references: disclosedReferences(notified, settings.content) });
    const keptNote = note ?? (record.error?.startsWith(WITHHELD_NOTE) ? record.error : null)
      ?? (waiting !== null ? `${HELD_NOTE}event ${waiting} and any after it wait for a clinician's review` : null);
    const delivered: Omit<DeliveryOutcome, 'claimedStatus' | 'now'> = { status: 'active', error: keptNote, failingSince: null, failures: 0,
      lastDelivered: lastEvent ?? record.lastDelivered, lastSentAt: sentAt, nextAttemptAt: nextLook(heartbeatAfter(sentAt), waiting, sentAt), continueIfPending: true,
      attempt, ...(lastEvent !== null ? { delivered: { at: sentAt, after: record.lastDelivered } } : {}),
      ...(mayContinue ? { keepLeaseUntil: leaseUntil(sentAt, deps.options), upcoming: settings.maxCount + 1 } : {}), ...(disclosure ? { disclosure } : {}) };
    if (mayContinue && morePending && lastEvent !== null) {
      // The next round starts now and reads its own events: none are read with this bookkeeping.
      const { upcoming: _readByTheNextRound, ...bookkeeping } = delivered;
      const committing = finishing(bookkeeping);
      committing.catch(() => undefined); // surfaces in the next round's bookkeeping, which waits for it
      return { next: { ...record, status: 'active', error: keptNote, failingSince: null, failures: 0, lastDelivered: lastEvent, lastSentAt: sentAt,
        eventsSinceStart: Math.max(record.eventsSinceStart, lastEvent + 1) }, finishing: committing, lastDelivered: lastEvent };
    }
    return finish(delivered);
  }

  const failures = record.failures + 1;
  const failingSince = record.failingSince ?? now;
  const reason = `${type === 'handshake' ? HANDSHAKE_FAILED : ''}${result.error ?? 'delivery failed'}`;
  const spent = now - failingSince >= deps.options.retryBudgetMs;
  deps.log.warn({ subscription: record.id, failures, reason, gaveUp: spent }, 'subscription delivery failed');
  return finish({
    status: 'error',
    error: spent ? `${reason} — retried since ${new Date(failingSince).toISOString()}; set status to requested to resume` : reason,
    failingSince, failures, lastDelivered: record.lastDelivered, lastSentAt: null,
    nextAttemptAt: spent ? null : now + backOff(failures, deps.options.initialBackoffMs, deps.options.maxBackoffMs, deps.random),
    continueIfPending: false, attempt,
  });
}

/**
 * The `error` note of events sent at `empty` level: the event numbers and the reason, one reason
 * for all when they share it (access narrowed), else per event (rejections at review carry each
 * clinician's reason).
 */
function withheldNote(notified: NotificationEvent[]): string | null {
  const withheld = notified.filter((event) => event.withheld !== undefined);
  if (withheld.length === 0) return null;
  const reasons = new Set(withheld.map((e) => e.withheld));
  if (reasons.size === 1) return `${WITHHELD_NOTE}event${withheld.length > 1 ? 's' : ''} ${withheld.map((e) => e.eventNumber).join(', ')}: ${withheld[0]!.withheld!}`;
  return `${WITHHELD_NOTE}${withheld.map((e) => `event ${e.eventNumber}: ${e.withheld!}`).join('; ')}`;
}

/** The next round: the heartbeat when one is due first, else, while an event waits for review, the next look. */
function nextLook(heartbeatAt: number | null, waiting: number | null, now: number): number | null {
  if (waiting === null) return heartbeatAt;
  return heartbeatAt === null ? now + REVIEW_RECHECK_MS : Math.min(heartbeatAt, now + REVIEW_RECHECK_MS);
}

/** How long a claimed subscription is held: the longest send it may make, and a margin. */
export function leaseUntil(now: number, options: Pick<EngineOptions, 'maxTimeoutSeconds'>): number {
  return now + options.maxTimeoutSeconds * 1000 + 30_000;
}
