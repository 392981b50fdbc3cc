import { InvalidNotification, NOTIFICATION_TYPES, type Notification, type NotificationEvent, type NotificationType } from './notification.js';
import { parseReference } from './parse-reference.js';

type Json = Record<string, unknown>;
interface Parameter {
  name?: unknown;
  part?: unknown;
  [value: string]: unknown;
}

/**
 * Parses and validates an R4 backport notification (backport-subscription-notification-r4): a
 * `history` Bundle whose first entry is the SubscriptionStatus `Parameters`
 * (backport-subscription-status-r4). Also reads `$events` answers (type `query-event`) and
 * `$status` entries, which share the shape. Throws InvalidNotification naming what is wrong.
 */
export function parseNotification(body: unknown): Notification {
  const bundle = object(body, 'the body');
  if (bundle.resourceType !== 'Bundle') throw new InvalidNotification('the body is not a Bundle');
  if (bundle.type !== 'history') throw new InvalidNotification(`Bundle.type is "${String(bundle.type)}", a notification is a history Bundle`);
  const entries = Array.isArray(bundle.entry) ? bundle.entry.map((e, i) => object(e, `Bundle.entry[${i}]`)) : [];
  const first = entries[0];
  if (!first) throw new InvalidNotification('the Bundle has no entries; the first must be the SubscriptionStatus');
  const status = object(first.resource, 'Bundle.entry[0].resource');
  if (status.resourceType !== 'Parameters') throw new InvalidNotification('Bundle.entry[0].resource is not the SubscriptionStatus Parameters');
  const parameters = Array.isArray(status.parameter) ? (status.parameter as Parameter[]) : [];

  const type = code(single(parameters, 'type'), 'type');
  if (!NOTIFICATION_TYPES.includes(type as NotificationType)) throw new InvalidNotification(`unknown notification type "${type}"`);
  const subscription = referenceValue(single(parameters, 'subscription'), 'subscription');
  const events = parameters.filter((p) => p.name === 'notification-event').map((p, i) => parseEvent(p, i, entries.slice(1)));
  const since = counter(optional(parameters, 'events-since-subscription-start'), 'events-since-subscription-start')
    // Older servers omit it on some types; the highest number carried is the best we know.
    ?? Math.max(0, ...events.map((e) => e.eventNumber));
  if (type === 'event-notification' && events.length === 0) throw new InvalidNotification('an event-notification carries no notification-event');
  return {
    type: type as NotificationType,
    subscription,
    topic: stringOf(optional(parameters, 'topic'), 'valueCanonical') ?? stringOf(optional(parameters, 'topic'), 'valueUri'),
    status: stringOf(optional(parameters, 'status'), 'valueCode'),
    eventsSinceSubscriptionStart: since,
    events,
    errors: parameters.filter((p) => p.name === 'error').map((p) => {
      const concept = p.valueCodeableConcept as { text?: string; coding?: { code?: string }[] } | undefined;
      return concept?.text ?? concept?.coding?.[0]?.code ?? 'error';
    }),
  };
}

function parseEvent(parameter: Parameter, index: number, rest: Json[]): NotificationEvent {
  const parts = Array.isArray(parameter.part) ? (parameter.part as Parameter[]) : [];
  const where = `notification-event[${index}]`;
  const eventNumber = counter(single(parts, 'event-number', where), `${where}.event-number`);
  if (eventNumber === undefined || eventNumber < 1) throw new InvalidNotification(`${where}.event-number must be a positive integer`);
  const focusPart = optional(parts, 'focus', where);
  const focus = focusPart ? parseReference(referenceValue(focusPart, `${where}.focus`)) : undefined;
  const additionalContext = parts.filter((p) => p.name === 'additional-context').map((p) => parseReference(referenceValue(p, `${where}.additional-context`)));
  const focusEntry = focus ? rest.find((e) => e.fullUrl === focus.reference || sameResource(e, focus.resourceType, focus.id)) : undefined;
  const method = (focusEntry?.request as { method?: string } | undefined)?.method;
  const contextUrls = new Set(additionalContext.map((c) => c.reference));
  return {
    eventNumber,
    timestamp: stringOf(optional(parts, 'timestamp', where), 'valueInstant'),
    focus,
    additionalContext,
    withheld: focus === undefined,
    interaction: method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : method === 'PUT' || method === 'PATCH' ? 'update' : undefined,
    resource: focusEntry && isObject(focusEntry.resource) ? focusEntry.resource : undefined,
    included: rest.filter((e) => e !== focusEntry && typeof e.fullUrl === 'string' && contextUrls.has(e.fullUrl) && isObject(e.resource)).map((e) => e.resource as Json),
  };
}

function sameResource(entry: Json, type: string | undefined, id: string | undefined): boolean {
  const resource = entry.resource as Json | undefined;
  return type !== undefined && resource?.resourceType === type && resource.id === id;
}

function single(parameters: Parameter[], name: string, where = 'SubscriptionStatus'): Parameter {
  const found = parameters.filter((p) => p.name === name);
  if (found.length !== 1) throw new InvalidNotification(`${where} must have exactly one "${name}" (found ${found.length})`);
  return found[0] as Parameter;
}

function optional(parameters: Parameter[], name: string, where = 'SubscriptionStatus'): Parameter | undefined {
  const found = parameters.filter((p) => p.name === name);
  if (found.length > 1) throw new InvalidNotification(`${where} has ${found.length} "${name}"`);
  return found[0];
}

function code(parameter: Parameter, name: string): string {
  const value = parameter.valueCode;
  if (typeof value !== 'string') throw new InvalidNotification(`"${name}" must be a valueCode`);
  return value;
}

function referenceValue(parameter: Parameter, name: string): string {
  const reference = (parameter.valueReference as { reference?: unknown } | undefined)?.reference;
  if (typeof reference !== 'string' || reference.length === 0) throw new InvalidNotification(`"${name}" must be a valueReference with a reference`);
  return reference;
}

/** R4 has no integer64: the IG carries counters as strings; integer forms are accepted too. */
function counter(parameter: Parameter | undefined, name: string): number | undefined {
  if (!parameter) return undefined;
  const value = parameter.valueString ?? parameter.valueInteger64 ?? parameter.valueUnsignedInt ?? parameter.valueInteger ?? parameter.valueDecimal;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) throw new InvalidNotification(`"${name}" must be a non-negative integer`);
  return Number(text);
}

function stringOf(parameter: Parameter | undefined, key: string): string | undefined {
  const value = parameter?.[key];
  return typeof value === 'string' ? value : undefined;
}

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw new InvalidNotification(`${what} is not a JSON object`);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
