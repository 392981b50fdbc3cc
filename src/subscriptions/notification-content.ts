import { extractSearchIndex, type NotificationEvent, type PayloadContent, type Resource, type TopicRegistry } from '../model/index.js';
import type { EventRecord, Store } from '../storage/index.js';

/**
 * Stored events as notification events. For `full-resource` the focus is the version the event
 * was recorded for (not whatever is current at send time), and the topic's notificationShape
 * adds what its `include`s point to (R5 SubscriptionTopic.notificationShape), e.g. the Patient
 * and the Medication.
 */
export async function notificationEvents(store: Store, topics: TopicRegistry, topicUrl: string, events: EventRecord[],
  content: PayloadContent, fhirBase: string): Promise<NotificationEvent[]> {
  const shape = topics.get(topicUrl)?.notificationShape ?? [];
  const result: NotificationEvent[] = [];
  for (const event of events) {
    const notification: NotificationEvent = {
      eventNumber: event.eventNumber, timestamp: event.occurredAt, interaction: event.interaction,
      focus: { resourceType: event.focusType, id: event.focusId, versionId: event.focusVersion },
    };
    if (content === 'full-resource' && event.interaction !== 'delete') {
      const version = await store.readVersion(event.focusType, event.focusId, event.focusVersion);
      if (version?.json) {
        const resource = JSON.parse(version.json) as Resource;
        notification.resource = resource;
        const includes = shape.filter((s) => s.resource === event.focusType).flatMap((s) => s.include ?? []);
        notification.additional = await included(store, resource, includes, fhirBase);
      }
    }
    result.push(notification);
  }
  return result;
}

/** `Type:param[:Target]` includes of one resource, read at their current version. */
async function included(store: Store, resource: Resource, includes: string[], fhirBase: string): Promise<Resource[]> {
  if (includes.length === 0) return [];
  const index = extractSearchIndex(resource, { localBase: fhirBase });
  const found = new Map<string, Resource>();
  for (const include of includes) {
    const [, param, target] = include.split(/[:&]/);
    for (const ref of index.references) {
      if (ref.param !== param || !ref.targetType || !ref.targetId || (target && ref.targetType !== target)) continue;
      const key = `${ref.targetType}/${ref.targetId}`;
      if (found.has(key)) continue;
      const current = await store.readCurrent(ref.targetType, ref.targetId);
      if (current?.json) found.set(key, JSON.parse(current.json) as Resource);
    }
  }
  return [...found.values()];
}
