import { newId } from '../base/index.js';
import { notificationBundle, subscriptionStatus, type Resource, type SubscriptionSettings, type TopicRegistry } from '../model/index.js';
import type { AccessContext } from '../access/index.js';
import type { DeliveryAttempt, Store, SubscriptionRecord } from '../storage/index.js';
import { notificationEvents } from './notification-content.js';
import { heldSet, rejectionReason, reviewerOf } from './review-gate.js';

/**
 * Backport IG operations. `$status` (type and instance): a searchset Bundle of SubscriptionStatus
 * `Parameters` of type `query-status`. `$events`: the retained events numbered in
 * [eventsSinceNumber, eventsUntilNumber] as a notification Bundle of type `query-event`; events
 * already pruned (retention) are simply absent, and the subscriber sees the gap in the numbers.
 * `$events` content is judged against the caller's access (issue 4 b), like any read.
 */
export async function statusBundle(store: Store, records: SubscriptionRecord[], fhirBase: string): Promise<Resource> {
  const entry = [];
  for (const record of records) {
    entry.push({ fullUrl: `urn:uuid:${newId()}`, resource: statusOfRecord(record, await store.subscriptions.attemptsOf(record.id, RECENT_ATTEMPTS), fhirBase), search: { mode: 'match' } });
  }
  return { resourceType: 'Bundle', id: newId(), type: 'searchset', total: records.length, entry };
}

/** How many of the latest delivery attempts `$status` looks at. */
const RECENT_ATTEMPTS = 5;

/**
 * The engine's reason first (why it is in `error`, off, or what went out at `empty` level), then
 * each failed attempt since the last one that succeeded, newest first: what was tried, when,
 * and what the endpoint said — read from the attempt records, not from memory, so every process
 * tells the same story. A subscription whose last attempt succeeded lists no attempt.
 */
function statusOfRecord(record: SubscriptionRecord, attempts: DeliveryAttempt[], fhirBase: string): Resource {
  const settings = JSON.parse(record.settings) as SubscriptionSettings;
  const lastOk = attempts.findIndex((attempt) => attempt.ok);
  const failed = (lastOk === -1 ? attempts : attempts.slice(0, lastOk)).map(describeAttempt);
  const errors = [...(record.error ? [record.error] : []), ...failed];
  return subscriptionStatus({
    id: newId(), subscriptionUrl: `${fhirBase}/Subscription/${record.id}`, topicUrl: settings.topicUrl, status: record.status,
    type: 'query-status', eventsSinceSubscriptionStart: record.eventsSinceStart, ...(errors.length > 0 ? { error: errors } : {}),
  }, [], settings.content, fhirBase);
}

function describeAttempt(attempt: DeliveryAttempt): string {
  const events = attempt.firstEvent === null ? '' : attempt.firstEvent === attempt.lastEvent ? ` (event ${attempt.firstEvent})` : ` (events ${attempt.firstEvent}–${attempt.lastEvent})`;
  const answer = attempt.error ?? (attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'failed');
  return `Attempt at ${new Date(attempt.attemptedAt).toISOString()} failed: ${attempt.kind}${events}: ${answer}`;
}

export async function eventsBundle(store: Store, topics: TopicRegistry, record: SubscriptionRecord, since: number, until: number,
  content: SubscriptionSettings['content'] | undefined, fhirBase: string, now: number, access: AccessContext): Promise<Resource> {
  const settings = JSON.parse(record.settings) as SubscriptionSettings;
  const chosen = content ?? settings.content;
  // Issue 5 c: what waits for review is not there yet — `$events` ends before the first waiting
  // event, exactly where delivery stops; rejected events read as they were sent (empty, the reason).
  const reviewer = await reviewerOf(store, record.grantId);
  const waiting = reviewer ? await store.review.firstPending(record.id) : null;
  const last = waiting === null ? until : Math.min(until, waiting - 1);
  const events = await store.subscriptions.eventsBetween(record.id, since, last);
  const rejected = new Map<number, string>();
  if (reviewer && events.length > 0) {
    for (const item of await store.review.itemsOf(record.id, since, last)) if (item.state === 'rejected') rejected.set(item.eventNumber, rejectionReason(item.reason));
  }
  // The focus of a released event is judged by the scopes, not by the caller's held set: a later
  // version waiting for review must not blank what was already approved and sent.
  const judged: AccessContext = !access.open && access.caller.held ? { open: false, caller: { ...access.caller, held: {} } } : access;
  return notificationBundle({
    id: newId(), subscriptionUrl: `${fhirBase}/Subscription/${record.id}`, topicUrl: settings.topicUrl, status: record.status,
    type: 'query-event', eventsSinceSubscriptionStart: reviewer ? Math.max(record.lastDelivered, events[events.length - 1]?.eventNumber ?? 0) : record.eventsSinceStart,
    ...(record.error ? { error: record.error } : {}),
    content: chosen, fhirBase, now,
    events: await notificationEvents({ store, topics, fhirBase, access: judged, now, rejected, ...(reviewer ? { hidden: await heldSet(store, reviewer) } : {}) },
      settings.topicUrl, events, chosen),
  });
}
