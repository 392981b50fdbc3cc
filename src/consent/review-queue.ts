import type { Clock, Logger } from '../base/index.js';
import type { Resource } from '../model/index.js';
import type { ReviewItem, ReviewKey, Store } from '../storage/index.js';
import type { Person } from './consent-resources.js';
import { rejectionAuditEvent } from './review-audit-event.js';

export interface ReviewQueueDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  fhirBase: string;
  /** Writes resources through the FHIR write path (the rejection AuditEvents). */
  writeResources(resources: Resource[]): Promise<void>;
  /** After decisions: those subscriptions' next round comes at once (wired by http to the engine). */
  onDecided?(subscriptionIds: string[]): Promise<void>;
}

/** One held event as the clinician sees it: exactly what would leave. */
export interface QueuedEvent {
  key: string;
  subscriptionId: string;
  eventNumber: number;
  patientId: string | null;
  interaction: string;
  occurredAt: number;
  /** `Type/id/_history/n`: the version the event was recorded for. */
  focus: string;
  /** The Subscription's payload content: `id-only` sends the reference (then readable), `full-resource` the version itself. */
  content: string;
  /** The version's JSON as stored (null for a deletion: the reference is all that would leave). */
  resource: string | null;
}

export type Decision = { approve: true } | { approve: false; reason: string };

/** The most a rejection reason may say (it is shown to the recipient in `$status`). */
export const MAX_REASON = 500;

/**
 * Review before sending (issue 5 c, ADR 0014): the clinician's side. The queue shows each held
 * event with the version it would disclose; decisions are taken item by item or for every item
 * the clinician was shown (never one that arrived after the page was drawn). A rejection is
 * recorded as an AuditEvent; the subscriptions are woken so what was decided goes out at once.
 */
export class ReviewQueue {
  constructor(private readonly deps: ReviewQueueDeps) {}

  /** Recipients with events waiting, with their names. */
  async recipients(): Promise<{ clientId: string; name: string; pending: number }[]> {
    const waiting = await this.deps.store.review.pendingByClient();
    return Promise.all(waiting.map(async (w) => ({ ...w, name: await this.nameOf(w.clientId) })));
  }

  /** One recipient's queue (undefined: no such client), and its latest decisions. */
  async queueOf(clientId: string): Promise<{ name: string; reviewRequired: boolean; waiting: QueuedEvent[]; decided: ReviewItem[] } | undefined> {
    const client = await this.deps.store.auth.getClient(clientId);
    if (!client) return undefined;
    const waiting = await Promise.all((await this.deps.store.review.pending(clientId)).map((item) => this.describe(item)));
    return { name: client.clientName, reviewRequired: client.review === 'required', waiting, decided: await this.deps.store.review.decided(clientId, 20) };
  }

  /** Decides the given items of one recipient; returns how many were still waiting (and are now decided). */
  async decide(clientId: string, keys: ReviewKey[], decision: Decision, by: Person): Promise<number> {
    const { store, clock } = this.deps;
    const at = clock.now().getTime();
    const decided = await store.review.decide(clientId, keys, decision.approve
      ? { state: 'approved', reason: null, by: by.fhirUser, at }
      : { state: 'rejected', reason: decision.reason, by: by.fhirUser, at });
    if (decided.length === 0) return 0;
    if (!decision.approve) {
      // Recorded before the subscription is woken: the empty-level event never goes out unrecorded.
      const recipientName = await this.nameOf(clientId);
      await this.deps.writeResources(decided.map((item) => rejectionAuditEvent(item, { by, recipientName, fhirBase: this.deps.fhirBase })));
    }
    this.deps.log.info({ clientId, decision: decision.approve ? 'approved' : 'rejected', events: decided.map((d) => `${d.subscriptionId}#${d.eventNumber}`), by: by.fhirUser },
      'review decided');
    await this.deps.onDecided?.([...new Set(decided.map((d) => d.subscriptionId))]);
    return decided.length;
  }

  private async describe(item: ReviewItem): Promise<QueuedEvent> {
    const { store } = this.deps;
    const version = await store.readVersion(item.focusType, item.focusId, item.focusVersion);
    const subscription = await store.subscriptions.getSubscription(item.subscriptionId);
    const content = subscription ? (JSON.parse(subscription.settings) as { content?: string }).content ?? 'id-only' : 'unknown';
    return {
      key: reviewKeyText(item), subscriptionId: item.subscriptionId, eventNumber: item.eventNumber, patientId: item.patientId,
      interaction: item.interaction, occurredAt: item.occurredAt, focus: `${item.focusType}/${item.focusId}/_history/${item.focusVersion}`, content,
      resource: version?.json ? JSON.stringify(JSON.parse(version.json), null, 2) : null,
    };
  }

  private async nameOf(clientId: string): Promise<string> {
    return (await this.deps.store.auth.getClient(clientId))?.clientName ?? clientId;
  }
}

/** An item's key in a form: `<subscription id>/<event number>`. */
export function reviewKeyText(key: ReviewKey): string {
  return `${key.subscriptionId}/${key.eventNumber}`;
}

export function parseReviewKey(text: string): ReviewKey | undefined {
  const match = /^([A-Za-z0-9\-.]{1,64})\/([1-9][0-9]{0,15})$/.exec(text);
  return match ? { subscriptionId: match[1]!, eventNumber: Number(match[2]) } : undefined;
}
