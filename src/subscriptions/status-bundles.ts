import { newId } from '../base/index.js';
import { notificationBundle, subscriptionStatus, type Resource, type SubscriptionSettings, type TopicRegistry } from '../model/index.js';
import type { AccessContext } from '../access/index.js';
import type { Store, SubscriptionRecord } from '../storage/index.js';
import { notificationEvents } from './notification-content.js';

/**
 * Backport IG operations. `$status` (type and instance): a searchset Bundle of SubscriptionStatus
 * `Parameters` of type `query-status`. `$events`: the retained events numbered in
 * [eventsSinceNumber, eventsUntilNumber] as a notification Bundle of type `query-event`; events
 * already pruned (retention) are simply absent, and the subscriber sees the gap in the numbers.
 * `$events` content is judged against the caller's access (issue 4 b), like any read.
 */
export function statusBundle(records: SubscriptionRecord[], fhirBase: string): Resource {
  return {
    resourceType: 'Bundle', id: newId(), type: 'searchset', total: records.length,
    entry: records.map((record) => ({
      fullUrl: `urn:uuid:${newId()}`,
      resource: statusOfRecord(record, fhirBase),
      search: { mode: 'match' },
    })),
  };
}

function statusOfRecord(record: SubscriptionRecord, fhirBase: string): Resource {
  const settings = JSON.parse(record.settings) as SubscriptionSettings;
  return subscriptionStatus({
    id: newId(), subscriptionUrl: `${fhirBase}/Subscription/${record.id}`, topicUrl: settings.topicUrl, status: record.status,
    type: 'query-status', eventsSinceSubscriptionStart: record.eventsSinceStart, ...(record.error ? { error: record.error } : {}),
  }, [], settings.content, fhirBase);
}

export async function eventsBundle(store: Store, topics: TopicRegistry, record: SubscriptionRecord, since: number, until: number,
  content: SubscriptionSettings['content'] | undefined, fhirBase: string, now: number, access: AccessContext): Promise<Resource> {
  const settings = JSON.parse(record.settings) as SubscriptionSettings;
  const chosen = content ?? settings.content;
  const events = await store.subscriptions.eventsBetween(record.id, since, until);
  return notificationBundle({
    id: newId(), subscriptionUrl: `${fhirBase}/Subscription/${record.id}`, topicUrl: settings.topicUrl, status: record.status,
    type: 'query-event', eventsSinceSubscriptionStart: record.eventsSinceStart, ...(record.error ? { error: record.error } : {}),
    content: chosen, fhirBase, now,
    events: await notificationEvents({ store, topics, fhirBase, access, now }, settings.topicUrl, events, chosen),
  });
}
