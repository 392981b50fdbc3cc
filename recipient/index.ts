// The notification-receiver library: imports only node built-ins and npm packages (jose).
export { checkHeaderSecret, newHeaderSecret, type IncomingHeaders } from './check-header-secret.js';
export { EventTracker, EMPTY_TRACKER_STATE, type TrackerState, type TrackResult } from './event-tracker.js';
export { eventStream, type EventStream } from './event-stream.js';
export { EventsUnavailable, fetchEvents, type FetchEventsRequest } from './fetch-events.js';
export { notificationHandler, type HandlerOptions } from './http-handler.js';
export { InvalidNotification, NOTIFICATION_TYPES, type Notification, type NotificationEvent, type NotificationType, type ParsedReference } from './notification.js';
export {
  NotificationReceiver, type AcceptedNotification, type ConfirmedEvent, type ReceiveOutcome, type ReceiveReport, type ReceiverOptions, type SubscriptionBinding,
} from './notification-receiver.js';
export { parseNotification } from './parse-notification.js';
export { parseStatusBundle } from './parse-status.js';
export { parseReference } from './parse-reference.js';
export { serverKeys, verifyDetachedJws } from './verify-detached-jws.js';
