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
  // Rejected events (review before sending) go out at empty level: their focus is not even read.
  const focuses = await focusContents(ctx.store, events.filter((e) => !ctx.rejected?.has(e.eventNumber)));
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
    const version = focuses.get(keyOf(event.focusType, event.focusId, event.focusVersion));
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

/**
 * Each event's version by `keyOf` its focus; for a deletion, the version it deleted (what the
 * focus was). One read for the notification (two when it has deletions), not one per event — none
 * for the versions read with the events (`EventRecord.focus`).
 */
async function focusContents(store: Store, events: EventRecord[]): Promise<Map<string, { resource: Resource; lastUpdated: number }>> {
  const byKey = (versions: ResourceVersion[]) => new Map(versions.map((v) => [keyOf(v.resourceType, v.id, v.versionId), v]));
  const withEvents: ResourceVersion[] = [];
  for (const e of events) {
    if (e.focus) withEvents.push({ resourceType: e.focusType, id: e.focusId, versionId: e.focusVersion, ...e.focus });
  }
  const keys = events.filter((e) => e.focus === undefined).map((e) => ({ resourceType: e.focusType, id: e.focusId, versionId: e.focusVersion }));
  const read = byKey([...withEvents, ...(keys.length > 0 ? await store.readVersions(keys) : [])]);
  const deleted = [...read.values()].filter((v) => v.json === null && v.versionId > 1);
  const before = byKey(await store.readVersions(deleted.map((v) => ({ resourceType: v.resourceType, id: v.id, versionId: v.versionId - 1 }))));
  const contents = new Map<string, { resource: Resource; lastUpdated: number }>();
  for (const [key, version] of read) {
    const shown = version.json === null && version.versionId > 1 ? before.get(keyOf(version.resourceType, version.id, version.versionId - 1)) : version;
    if (shown?.json) contents.set(key, { resource: JSON.parse(shown.json) as Resource, lastUpdated: shown.lastUpdated });
  }
  return contents;
}

const keyOf = (resourceType: string, id: string, versionId: number) => `${resourceType}/${id}/${versionId}`;

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
