import { resourceVisible, seeable, type AccessContext } from '../access/index.js';
import { extractSearchIndex, type NotificationEvent, type PayloadContent, type Resource, type TopicRegistry } from '../model/index.js';
import type { EventRecord, ResourceVersion, Store } from '../storage/index.js';

export interface ContentContext {
  store: Store;
  topics: TopicRegistry;
  fhirBase: string;
  /** Who the content is for: the subscription's grant as it is now (delivery), or the caller ($events). */
  access: AccessContext;
  now: number;
  /** Issue 5 c: events a clinician rejected at review, with the reason; they go out at `empty` level. */
  rejected?: ReadonlyMap<number, string>;
  /** Issue 5 c: `Type/id` held from the recipient for review; never added by the notificationShape. */
  hidden?: ReadonlySet<string>;
}

/** Why an event went out at `empty` level: the reason stays generic so it reveals nothing about the focus. */
export const WITHHELD_REASON = 'its focus is outside what the grant allows now';

/**
 * Stored events as notification events. For `full-resource` the focus is the version the event
 * was recorded for (not whatever is current at send time), and the topic's notificationShape
 * adds what its `include`s point to (R5 SubscriptionTopic.notificationShape), e.g. the Patient
 * and the Medication.
 *
 * Issue 4 (b): every focus and addition is checked against `access` as it is now. An event whose
 * focus may no longer be seen keeps its number and goes out at `empty` level (`withheld`), so the
 * subscriber sees a gap it can explain, never a silent hole; additions it may not see are left out.
 * Issue 5 c: so does an event a clinician rejected at review (`ctx.rejected`), with the reason.
 */
export async function notificationEvents(ctx: ContentContext, topicUrl: string, events: EventRecord[], content: PayloadContent): Promise<NotificationEvent[]> {
  const shape = ctx.topics.get(topicUrl)?.notificationShape ?? [];
  const result: NotificationEvent[] = [];
  for (const event of events) {
    const notification: NotificationEvent = {
      eventNumber: event.eventNumber, timestamp: event.occurredAt, interaction: event.interaction,
      focus: { resourceType: event.focusType, id: event.focusId, versionId: event.focusVersion },
    };
    const rejection = ctx.rejected?.get(event.eventNumber);
    if (rejection !== undefined) {
      result.push({ ...notification, withheld: rejection });
      continue;
    }
    const version = await focusContent(ctx.store, event);
    if (!version || !(await visible(ctx, version.resource, version.lastUpdated))) {
      result.push({ ...notification, withheld: WITHHELD_REASON });
      continue;
    }
    if (content === 'full-resource' && event.interaction !== 'delete') {
      notification.resource = version.resource;
      const includes = shape.filter((s) => s.resource === event.focusType).flatMap((s) => s.include ?? []);
      notification.additional = await included(ctx, version.resource, includes);
    }
    result.push(notification);
  }
  return result;
}

/** The event's version; for a deletion, the version it deleted (what the focus was). */
async function focusContent(store: Store, event: EventRecord): Promise<{ resource: Resource; lastUpdated: number } | undefined> {
  let version: ResourceVersion | undefined = await store.readVersion(event.focusType, event.focusId, event.focusVersion);
  if (version && version.json === null && version.versionId > 1) version = await store.readVersion(event.focusType, event.focusId, version.versionId - 1);
  return version?.json ? { resource: JSON.parse(version.json) as Resource, lastUpdated: version.lastUpdated } : undefined;
}

async function visible(ctx: ContentContext, resource: Resource, lastUpdated: number): Promise<boolean> {
  const visibility = seeable(ctx.access, resource.resourceType, { now: ctx.now, localBase: ctx.fhirBase });
  return visibility !== undefined && resourceVisible(visibility, resource, lastUpdated, ctx.fhirBase);
}

/** `Type:param[:Target]` includes of one resource, read at their current version, those `access` may see. */
async function included(ctx: ContentContext, resource: Resource, includes: string[]): Promise<Resource[]> {
  if (includes.length === 0) return [];
  const index = extractSearchIndex(resource, { localBase: ctx.fhirBase });
  const found = new Map<string, Resource>();
  for (const include of includes) {
    const [, param, target] = include.split(/[:&]/);
    for (const ref of index.references) {
      if (ref.param !== param || !ref.targetType || !ref.targetId || (target && ref.targetType !== target)) continue;
      const key = `${ref.targetType}/${ref.targetId}`;
      if (found.has(key) || ctx.hidden?.has(key)) continue;
      const current = await ctx.store.readCurrent(ref.targetType, ref.targetId);
      if (!current?.json || current.deleted) continue;
      const additional = JSON.parse(current.json) as Resource;
      if (await visible(ctx, additional, current.lastUpdated)) found.set(key, additional);
    }
  }
  return [...found.values()];
}
