import type { Resource } from '../fhir-types.js';
import type { PayloadContent, SubscriptionStatusCode } from './subscription-settings.js';

/**
 * The notification Bundle of the Backport IG STU 1.1 for R4 (backport-subscription-notification-r4,
 * "Notifications"): a `history` Bundle whose first entry is the SubscriptionStatus as R4
 * `Parameters` (backport-subscription-status-r4), with `request` GET …/Subscription/<id>/$status
 * and `response` 200; then one entry per focus resource (id-only and full-resource) with the
 * interaction as `request`/`response`, and for full-resource the notificationShape's additions.
 */
export const STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';
export const NOTIFICATION_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface NotificationEvent {
  eventNumber: number;
  /** Epoch ms of the change. */
  timestamp: number;
  focus: { resourceType: string; id: string; versionId: number };
  interaction: 'create' | 'update' | 'delete';
  /** The focus version (full-resource; absent for a deletion). */
  resource?: Resource;
  /** notificationShape additions (full-resource). */
  additional?: Resource[];
  /**
   * Why this event goes out at `empty` level whatever the subscription's content (issue 4 b: its
   * focus is no longer visible to the grant): it keeps its number, carries no focus.
   */
  withheld?: string;
}

export interface StatusInput {
  /** `<base>/Subscription/<id>`. */
  subscriptionUrl: string;
  topicUrl: string;
  status: SubscriptionStatusCode;
  type: NotificationType;
  eventsSinceSubscriptionStart: number;
  /** Why the subscription is in `error` (R5 SubscriptionStatus.error, 0..*): one `error` parameter each. */
  error?: string | string[];
  /** A fresh id (uuid) for the Parameters. */
  id: string;
}

export function subscriptionStatus(input: StatusInput, events: NotificationEvent[], content: PayloadContent, fhirBase: string): Resource {
  const parameter: unknown[] = [
    { name: 'subscription', valueReference: { reference: input.subscriptionUrl } },
    { name: 'topic', valueCanonical: input.topicUrl },
    { name: 'status', valueCode: input.status },
    { name: 'type', valueCode: input.type },
    // R4 has no integer64: the IG carries these counters as strings.
    { name: 'events-since-subscription-start', valueString: String(input.eventsSinceSubscriptionStart) },
    ...events.map((event) => ({
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: String(event.eventNumber) },
        { name: 'timestamp', valueInstant: new Date(event.timestamp).toISOString() },
        // Backport IG "Payload Types": empty carries no focus; id-only and full-resource do.
        ...(content === 'empty' || event.withheld !== undefined ? [] : [{ name: 'focus', valueReference: { reference: `${fhirBase}/${event.focus.resourceType}/${event.focus.id}` } }]),
      ],
    })),
    ...[input.error ?? []].flat().filter((text) => text !== '').map((text) => ({ name: 'error', valueCodeableConcept: { text } })),
  ];
  return { resourceType: 'Parameters', id: input.id, meta: { profile: [STATUS_PROFILE] }, parameter };
}

export interface NotificationInput extends StatusInput {
  content: PayloadContent;
  fhirBase: string;
  /** Epoch ms. */
  now: number;
  events: NotificationEvent[];
}

export function notificationBundle(input: NotificationInput): Resource {
  const status = subscriptionStatus(input, input.events, input.content, input.fhirBase);
  const entry: unknown[] = [{
    fullUrl: `urn:uuid:${input.id}`,
    resource: status,
    request: { method: 'GET', url: `${input.subscriptionUrl}/$status` },
    response: { status: '200' },
  }];
  if (input.content !== 'empty') {
    for (const event of input.events) if (event.withheld === undefined) entry.push(...focusEntries(event, input.content, input.fhirBase));
  }
  return {
    resourceType: 'Bundle', id: input.id, meta: { profile: [NOTIFICATION_PROFILE] }, type: 'history',
    timestamp: new Date(input.now).toISOString(), entry,
  };
}

/** The focus as a history entry: what happened to it (request) and how that ended (response). */
function focusEntries(event: NotificationEvent, content: PayloadContent, fhirBase: string): unknown[] {
  const { resourceType, id, versionId } = event.focus;
  const request = event.interaction === 'create' ? { method: 'POST', url: resourceType }
    : { method: event.interaction === 'delete' ? 'DELETE' : 'PUT', url: `${resourceType}/${id}` };
  const response = { status: event.interaction === 'create' ? '201' : event.interaction === 'delete' ? '204' : '200', etag: `W/"${versionId}"` };
  const focus: Record<string, unknown> = { fullUrl: `${fhirBase}/${resourceType}/${id}`, request, response };
  if (content === 'full-resource' && event.resource) focus.resource = event.resource;
  const extra = content === 'full-resource' ? (event.additional ?? []).map((resource) => ({
    fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`,
    resource,
    request: { method: 'GET', url: `${resource.resourceType}/${resource.id}` },
    response: { status: '200' },
  })) : [];
  return [focus, ...extra];
}
