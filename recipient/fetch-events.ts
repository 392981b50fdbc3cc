import type { Notification } from './notification.js';
import { parseNotification } from './parse-notification.js';

export interface FetchEventsRequest {
  /** The FHIR base the recipient trusts (its own configuration, never taken from a notification). */
  fhirBase: string;
  subscriptionId: string;
  since: number;
  until: number;
  accessToken: string;
  content?: 'empty' | 'id-only' | 'full-resource';
  fetch?: typeof fetch;
}

export class EventsUnavailable extends Error {
  override readonly name = 'EventsUnavailable';
  constructor(message: string, readonly status: number | undefined) {
    super(message);
  }
}

/**
 * Backport IG `$events` (OperationDefinition backport-subscription-events): the retained events
 * numbered in [since, until], as a `query-event` Bundle. The token goes only to the base the
 * caller names, so a forged `subscription` reference cannot make us send it elsewhere.
 */
export async function fetchEvents(request: FetchEventsRequest): Promise<Notification> {
  const url = new URL(`${request.fhirBase.replace(/\/$/, '')}/Subscription/${encodeURIComponent(request.subscriptionId)}/$events`);
  url.searchParams.set('eventsSinceNumber', String(request.since));
  url.searchParams.set('eventsUntilNumber', String(request.until));
  if (request.content) url.searchParams.set('content', request.content);
  const response = await (request.fetch ?? fetch)(url, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${request.accessToken}` } });
  if (!response.ok) throw new EventsUnavailable(`$events answered HTTP ${response.status}`, response.status);
  const notification = parseNotification(await response.json());
  if (notification.type !== 'query-event') throw new EventsUnavailable(`$events answered a ${notification.type} Bundle`, response.status);
  return notification;
}
