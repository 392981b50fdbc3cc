import type { AcceptedNotification, ConfirmedEvent } from '../recipient/index.js';
import { fhirRequest, searchAll, type FhirResource } from './fhir-reader.js';
import { GrantEnded, type GrantTokens } from './grant-tokens.js';
import { listOf, listSearches, type ListName } from './patient-lists.js';
import type { RegistryDb, SubscriptionRow } from './registry-db.js';
import { TOPICS } from './subscribe.js';

type ListChange = { kind: 'upsert'; list: ListName; resource: FhirResource } | { kind: 'remove'; resourceType: string; id: string };
interface Applied { event: ConfirmedEvent; outcome: string; changes: ListChange[] }

export interface ApplyContext {
  db: RegistryDb;
  tokens: GrantTokens;
  fhirBase: string;
  now: () => number;
}

/**
 * The receiver's `accept`: turns confirmed events into changes of the registry's copy of the
 * lists, then writes the changes, the timeline and the tracker state in one transaction — so a
 * 200 to the server means all of it is on disk, and a crash before it means the server resends.
 * Fetches (id-only, withheld) happen first, outside the transaction, with a fresh access token.
 */
export function applyNotification(ctx: ApplyContext) {
  return async (accepted: AcceptedNotification): Promise<void> => {
    const subscription = ctx.db.subscription(accepted.key);
    if (!subscription) throw new Error(`unknown subscription key ${accepted.key}`);
    let grantEnded: string | undefined;
    const applied: Applied[] = [];
    for (const event of accepted.events) {
      try {
        applied.push({ event, ...(await changesFor(ctx, subscription, event)) });
      } catch (error) {
        if (!(error instanceof GrantEnded)) throw error;
        grantEnded = error.message;
        applied.push({ event, outcome: `not fetched: ${error.message}`, changes: [] });
      }
    }
    const { notification, report, state } = accepted;
    ctx.db.transaction(() => {
      const notificationId = ctx.db.insertNotification({
        subscription_key: accepted.key, received_at: ctx.now(), type: notification.type, status: notification.status ?? null, events_since_start: notification.eventsSinceSubscriptionStart, report: JSON.stringify(report),
      });
      for (const { event, outcome, changes } of applied) {
        ctx.db.insertEvent({
          subscription_key: accepted.key, event_number: event.eventNumber, notification_id: notificationId, focus: event.focus?.reference ?? null,
          interaction: event.interaction ?? null, withheld: event.withheld ? 1 : 0, recovered: event.recovered ? 1 : 0, outcome,
        });
        for (const change of changes) {
          if (change.kind === 'upsert') {
            ctx.db.upsertListItem({ patient_id: subscription.patient_id, list: change.list, resource_type: change.resource.resourceType, resource_id: String(change.resource.id), json: JSON.stringify(change.resource), updated_at: ctx.now() });
          } else {
            ctx.db.removeListItem(subscription.patient_id, change.resourceType, change.id);
          }
        }
      }
      ctx.db.updateSubscription(accepted.key, {
        tracker_state: JSON.stringify(state), last_notification_at: ctx.now(),
        events_since_start: Math.max(notification.eventsSinceSubscriptionStart, subscription.events_since_start ?? 0),
        // A status the registry asked for itself (query-status, from the upkeep) keeps the subscription's.
        status: grantEnded ? 'stopped' : notification.type === 'handshake' ? 'active' : notification.type === 'query-status' ? subscription.status : (notification.status ?? subscription.status),
        last_error: grantEnded ?? (notification.errors.length > 0 ? notification.errors.join('; ') : report.pending.length > 0 ? `gap not recovered: ${report.recoveryError ?? 'no token'}` : null),
      });
      // The grant is gone (invalid_grant, or a 401 with a fresh token): the sharing ends here, with the reason.
      if (grantEnded) ctx.db.endGrant(subscription.grant_id, grantEnded, ctx.now());
    });
  };
}

async function changesFor(ctx: ApplyContext, subscription: SubscriptionRow, event: ConfirmedEvent): Promise<{ outcome: string; changes: ListChange[] }> {
  if (event.withheld || !event.focus?.resourceType || !event.focus.id) {
    // `empty` content: the server says something changed, not what. Re-read the topic's lists.
    const lists = subscription.topic === TOPICS.problems ? ['problems'] : ['medications'];
    const resources = (await Promise.all(listSearches(ctx.fhirBase, subscription.patient_id).filter((s) => lists.includes(s.list)).map((s) => searchAll(ctx.tokens, subscription.grant_id, s.url)))).flat();
    return { outcome: 'withheld: list re-read', changes: resources.flatMap((r) => { const list = listOf(r); return list ? [{ kind: 'upsert' as const, list, resource: r }] : []; }) };
  }
  const { resourceType, id } = event.focus;
  if (event.interaction === 'delete') return { outcome: 'deleted', changes: [{ kind: 'remove', resourceType, id }] };
  let resource = event.resource as FhirResource | undefined;
  let outcome = 'from notification';
  if (!resource) {
    // Never follow the notification's URL with our token: build it from our own FHIR base.
    const read = await fhirRequest(ctx.tokens, subscription.grant_id, `${ctx.fhirBase}/${resourceType}/${encodeURIComponent(id)}`);
    if (read.status === 403) return { outcome: 'no longer visible to the grant (HTTP 403)', changes: [{ kind: 'remove', resourceType, id }] };
    if (read.status === 404 || read.status === 410) return { outcome: `gone (HTTP ${read.status})`, changes: [{ kind: 'remove', resourceType, id }] };
    if (read.status === 401) throw new GrantEnded(`the server refuses the grant's token (HTTP 401) reading ${resourceType}/${id}`);
    if (read.status !== 200 || !read.body) throw new Error(`reading ${resourceType}/${id} answered HTTP ${read.status}`);
    resource = read.body;
    outcome = 'fetched';
  }
  const list = listOf(resource);
  return list ? { outcome, changes: [{ kind: 'upsert', list, resource }] } : { outcome: `${outcome}; left the list`, changes: [{ kind: 'remove', resourceType, id }] };
}
