/**
 * A Backport IG STU 1.1 notification as a recipient sees it once parsed: the SubscriptionStatus
 * (`Parameters`, first entry of the history Bundle) and the events it carries, each joined to its
 * focus entry when the payload has one.
 */
export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export const NOTIFICATION_TYPES: readonly NotificationType[] = ['handshake', 'heartbeat', 'event-notification', 'query-status', 'query-event'];

export interface Notification {
  type: NotificationType;
  /** The `subscription` reference as sent (usually an absolute URL `<base>/Subscription/<id>`). */
  subscription: string;
  topic: string | undefined;
  /** The subscription's status when the server sent this (`active`, `error`, …). */
  status: string | undefined;
  /** `events-since-subscription-start`: the highest event number the server has assigned. */
  eventsSinceSubscriptionStart: number;
  events: NotificationEvent[];
  /** `error` (R5 SubscriptionStatus.error), as text. */
  errors: string[];
}

export interface NotificationEvent {
  eventNumber: number;
  timestamp: string | undefined;
  /** The focus reference; absent for `empty` payloads (content withheld). */
  focus: ParsedReference | undefined;
  additionalContext: ParsedReference[];
  /**
   * No focus: the server sent `empty` content — something happened, what is withheld (Backport IG
   * "Payload Types"). The recipient decides whether to look, with its own token.
   */
  withheld: boolean;
  /** From the focus entry's `request.method`: POST create, PUT update, DELETE delete. */
  interaction: 'create' | 'update' | 'delete' | undefined;
  /** The focus version (full-resource payloads). */
  resource: Record<string, unknown> | undefined;
  /** Other resources of the entry list for this event (full-resource notificationShape additions). */
  included: Record<string, unknown>[];
}

export interface ParsedReference {
  reference: string;
  resourceType: string | undefined;
  id: string | undefined;
}

/** The bundle is not a notification this library can trust the shape of; answer 400. */
export class InvalidNotification extends Error {
  override readonly name = 'InvalidNotification';
}
