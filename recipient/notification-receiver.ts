import type { JWTVerifyGetKey } from 'jose';
import { checkHeaderSecret, type IncomingHeaders } from './check-header-secret.js';
import { EventTracker, EMPTY_TRACKER_STATE, type TrackerState } from './event-tracker.js';
import { fetchEvents } from './fetch-events.js';
import { InvalidNotification, type Notification, type NotificationEvent } from './notification.js';
import { parseNotification } from './parse-notification.js';
import { parseReference } from './parse-reference.js';
import { verifyDetachedJws } from './verify-detached-jws.js';

/** What the recipient knows about one of its subscriptions, found by the key of the request. */
export interface SubscriptionBinding {
  /** The line the recipient put in `channel.header` (`Name: value`); a notification must carry it. */
  header: string;
  /** The FHIR base the recipient subscribed at; `$events` goes there and nowhere else. */
  fhirBase: string;
  /** The server's id once known: a notification naming another subscription is refused. */
  subscriptionId?: string;
  /** A fresh access token for `$events`; without it, gaps are reported, not recovered. */
  accessToken?: () => Promise<string>;
  /** Detached JWS check: verified whenever `header` is present; refused when absent if `required`. */
  signature?: { header: string; keys: JWTVerifyGetKey; required: boolean };
}

/** An event handed to the application: what the notification (or `$events`) said, and how it came. */
export interface ConfirmedEvent extends NotificationEvent {
  subscription: string;
  topic: string | undefined;
  /** Fetched with `$events` to fill a gap, not pushed. */
  recovered: boolean;
}

export interface ReceiveReport {
  duplicates: number[];
  /** Missing numbers found (before recovery). */
  gaps: number[];
  /** Missing numbers `$events` no longer has (pruned): given up on. */
  lost: number[];
  /** Missing numbers not recovered this time (no token, or `$events` failed): tried again next time. */
  pending: number[];
  recoveryError?: string;
}

/** One accepted notification: store `events` and `state` together (one transaction) before resolving. */
export interface AcceptedNotification {
  key: string;
  notification: Notification;
  events: ConfirmedEvent[];
  state: TrackerState;
  report: ReceiveReport;
}

export interface ReceiverOptions {
  lookup(key: string): Promise<SubscriptionBinding | undefined>;
  loadState(key: string): Promise<TrackerState | undefined>;
  /** Resolves only once the events and the state are durable; then (only then) the server hears 200. */
  accept(accepted: AcceptedNotification): Promise<void>;
  fetch?: typeof fetch;
  /** How far above the last contiguous number out-of-order numbers are remembered. */
  window?: number;
}

export interface ReceiveOutcome {
  status: 200 | 400 | 401 | 404 | 500;
  message: string;
  accepted?: AcceptedNotification;
}

/**
 * Receives rest-hook notifications correctly: checks the sender, parses, de-duplicates by event
 * number, recovers gaps with `$events`, and hands the application the new events in number order.
 * Notifications of one subscription are processed one at a time, so the state never races.
 */
export class NotificationReceiver {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: ReceiverOptions) {}

  async receive(key: string, headers: IncomingHeaders, body: Uint8Array): Promise<ReceiveOutcome> {
    const binding = await this.options.lookup(key);
    if (!binding) return { status: 404, message: 'no such subscription endpoint' };
    if (!checkHeaderSecret(headers, binding.header)) return { status: 401, message: 'the subscription secret header is missing or wrong' };
    const signed = await this.checkSignature(binding, headers, body);
    if (signed) return signed;

    let notification: Notification;
    try {
      notification = parseNotification(JSON.parse(Buffer.from(body).toString('utf8')));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof InvalidNotification) return { status: 400, message: error.message };
      throw error;
    }
    const id = parseReference(notification.subscription).id;
    if (binding.subscriptionId !== undefined && id !== binding.subscriptionId) {
      return { status: 400, message: `the notification names ${notification.subscription}, not this endpoint's subscription` };
    }
    return this.serially(key, async () => {
      try {
        const accepted = await this.track(key, binding, notification, id);
        await this.options.accept(accepted);
        return { status: 200, message: 'accepted', accepted } satisfies ReceiveOutcome;
      } catch (error) {
        return { status: 500, message: `not accepted: ${(error as Error).message}` } satisfies ReceiveOutcome;
      }
    });
  }

  /**
   * Catches up from a status the recipient asked for itself (`$status`, see `parseStatusBundle`):
   * when the server's `events-since-subscription-start` is past what was accepted, the missing
   * events are fetched with `$events` and handed to `accept` like pushed ones (`recovered: true`).
   * For when notifications stopped coming — an endpoint that was down, a subscription in `error`.
   * Returns undefined when there was nothing to catch up (then `accept` is not called).
   */
  async catchUp(key: string, status: Notification): Promise<AcceptedNotification | undefined> {
    const binding = await this.options.lookup(key);
    if (!binding) return undefined;
    const id = parseReference(status.subscription).id;
    if (binding.subscriptionId !== undefined && id !== binding.subscriptionId) throw new InvalidNotification(`the status names ${status.subscription}, not this key's subscription`);
    return this.serially(key, async () => {
      const accepted = await this.track(key, binding, { ...status, events: [] }, id);
      if (accepted.events.length === 0 && accepted.report.lost.length === 0) return undefined;
      await this.options.accept(accepted);
      return accepted;
    });
  }

  private async checkSignature(binding: SubscriptionBinding, headers: IncomingHeaders, body: Uint8Array): Promise<ReceiveOutcome | undefined> {
    if (!binding.signature) return undefined;
    const jws = headers[binding.signature.header.toLowerCase()];
    if (typeof jws !== 'string') return binding.signature.required ? { status: 401, message: 'the notification is not signed' } : undefined;
    try {
      await verifyDetachedJws(jws, body, binding.signature.keys);
      return undefined;
    } catch (error) {
      return { status: 401, message: `the signature does not verify: ${(error as Error).message}` };
    }
  }

  private async track(key: string, binding: SubscriptionBinding, notification: Notification, id: string | undefined): Promise<AcceptedNotification> {
    const tracker = new EventTracker((await this.options.loadState(key)) ?? EMPTY_TRACKER_STATE, this.options.window);
    const { fresh, duplicates } = tracker.classify(notification.events.map((e) => e.eventNumber));
    const pushed = fresh.map((n) => notification.events.find((e) => e.eventNumber === n) as NotificationEvent);
    // A heartbeat or handshake with a higher counter reveals events we never got, too.
    const highest = Math.max(notification.eventsSinceSubscriptionStart, ...fresh);
    const gaps = tracker.gaps(highest).filter((n) => !fresh.includes(n));
    const report: ReceiveReport = { duplicates, gaps, lost: [], pending: [] };

    const recovered: NotificationEvent[] = [];
    if (gaps.length > 0 && binding.accessToken && id) {
      try {
        const answer = await fetchEvents({
          fhirBase: binding.fhirBase, subscriptionId: id, since: Math.min(...gaps), until: Math.max(...gaps),
          accessToken: await binding.accessToken(), ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        });
        for (const n of gaps) {
          const event = answer.events.find((e) => e.eventNumber === n);
          if (event) recovered.push(event);
          else report.lost.push(n);
        }
      } catch (error) {
        report.pending = gaps;
        report.recoveryError = (error as Error).message;
      }
    } else {
      report.pending = gaps;
    }

    const confirm = (event: NotificationEvent, wasRecovered: boolean): ConfirmedEvent =>
      ({ ...event, subscription: notification.subscription, topic: notification.topic, recovered: wasRecovered });
    const events = [...recovered.map((e) => confirm(e, true)), ...pushed.map((e) => confirm(e, false))].sort((a, b) => a.eventNumber - b.eventNumber);
    tracker.accept([...events.map((e) => e.eventNumber), ...report.lost]);
    return { key, notification, events, state: tracker.state(), report };
  }

  private serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}
