import { checkDestination, OutboundRefused, type Clock, type Logger } from '../base/index.js';
import type { AccessContext } from '../access/index.js';
import {
  issue, notFound, OperationOutcomeError, topicToBasic, TopicRegistry, validateSubscription as checkSubscription,
  type OperationOutcomeIssue, type PayloadContent, type Resource, type SubscriptionSettings, type TopicDefinition,
} from '../model/index.js';
import type { Store } from '../storage/index.js';
import { authorizeSubscription } from './authorize-subscription.js';
import { deliverRound } from './deliver-round.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options.js';
import { matchPending } from './matcher.js';
import { restHookSender, type RestHookSender } from './rest-hook-sender.js';
import { eventsBundle, statusBundle } from './status-bundles.js';
import { SettingsCache } from './subscription-settings-cache.js';
import { WakeSignal } from './wake-signal.js';
import { WebsocketHub } from './websocket/websocket-hub.js';

/**
 * The subscriptions engine: validation for the FHIR layer, the matcher loop (change log →
 * numbered events), the delivery loop (events → rest-hook), `$status` / `$events`, retention.
 * One per process; several processes on one PostgreSQL share the work through the records
 * (cursor compare-and-set, leases with SKIP LOCKED). See README.md for the API.
 */
export interface EngineDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  options: Partial<EngineOptions> & Pick<EngineOptions, 'mode' | 'fhirBase'>;
  /** Operator topics, added to the built-in ones. */
  topics?: TopicDefinition[];
  /** Outbound delivery; defaults to the rest-hook sender over outboundFetch. */
  send?: RestHookSender;
  random?: () => number;
}

export interface ValidatedSubscription {
  /** The resource to store: normalized, with the values the server will actually use. */
  resource: Resource;
  settings: SubscriptionSettings;
  /** What the server changed (a raised heartbeat, a lowered timeout), for an OperationOutcome. */
  warnings: OperationOutcomeIssue[];
  /** The grant the subscription belongs to (null under --open). */
  grantId: string | null;
}

export class SubscriptionEngine {
  readonly topics: TopicRegistry;
  readonly options: EngineOptions;
  /** The websockets bound to subscriptions in this process (websocket channel). */
  readonly sockets: WebsocketHub;
  private readonly settings: SettingsCache;
  private readonly send: RestHookSender;
  private readonly matchWake = new WakeSignal();
  private readonly deliverWake = new WakeSignal();
  private readonly inFlight = new Set<Promise<void>>();
  /** Subscriptions with a round in flight here, and those woken meanwhile (woken again once it ends). */
  private readonly inFlightIds = new Set<string>();
  private readonly wokenInFlight = new Set<string>();
  private running = false;
  private loops: Promise<void>[] = [];
  private lastPrune = 0;

  constructor(private readonly deps: EngineDeps) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
    this.topics = new TopicRegistry(deps.topics ?? []);
    this.settings = new SettingsCache(this.topics);
    this.send = deps.send ?? restHookSender(this.options.mode, this.options.maxResponseBytes);
    this.sockets = new WebsocketHub(() => deps.clock.now().getTime());
  }

  /** The topics as `Basic` resources (Backport IG 1.2 ballot), for `GET [base]/Basic?code=SubscriptionTopic`. */
  topicResources(): Resource[] {
    return this.topics.all().map(topicToBasic);
  }

  /**
   * Backport IG profile checks, then the endpoint's addresses (DNS): throws an
   * OperationOutcomeError (400) naming each element that cannot be honoured.
   */
  async validateSubscription(resource: Resource, access: AccessContext): Promise<ValidatedSubscription> {
    const sandbox = this.options.mode === 'sandbox';
    const check = checkSubscription(resource, {
      mode: this.options.mode, topicOf: (url) => this.topics.get(url),
      minHeartbeatSeconds: sandbox ? 1 : this.options.productionMinHeartbeatSeconds,
      maxTimeoutSeconds: this.options.maxTimeoutSeconds, defaultTimeoutSeconds: this.options.defaultTimeoutSeconds,
      maxMaxCount: this.options.maxMaxCount, now: this.deps.clock.now().getTime(),
    });
    if (!check.ok) throw new OperationOutcomeError(400, check.issues);
    const authorized = await authorizeSubscription({
      resource: check.resource, settings: check.settings, topic: this.topics.get(check.settings.topicUrl)!, access,
      records: this.deps.store.auth, now: this.deps.clock.now().getTime(), fhirBase: this.options.fhirBase,
      backendMaxLifetimeMs: this.options.backendMaxLifetimeMs,
    });
    // A websocket subscriber connects to us: there is no destination to check.
    if (check.settings.channelType === 'rest-hook') await this.checkEndpoint(check.settings.endpoint);
    return { resource: authorized.resource, settings: authorized.settings, warnings: [...check.warnings, ...authorized.warnings],
      grantId: access.open ? null : access.caller.grantId };
  }

  private async checkEndpoint(endpoint: string): Promise<void> {
    const sandbox = this.options.mode === 'sandbox';
    try {
      await checkDestination(endpoint, { allowLoopback: sandbox, httpsOnly: !sandbox, timeoutMs: 0, maxBytes: 0 });
    } catch (error) {
      if (!(error instanceof OutboundRefused)) throw error;
      throw new OperationOutcomeError(400, [issue('value', error.message, 'Subscription.channel.endpoint')]);
    }
  }

  /**
   * After the FHIR layer stored a Subscription (create or update) with the settings from
   * validateSubscription: `requested` (re)starts it with a handshake, `off` stops it; an update
   * that echoes `active`/`error` keeps the engine's state.
   */
  async onSubscriptionWritten(id: string, validated: ValidatedSubscription): Promise<void> {
    const records = this.deps.store.subscriptions;
    const now = this.deps.clock.now().getTime();
    const { settings } = validated;
    const existing = await records.getSubscription(id);
    const json = JSON.stringify(settings);
    if (!existing) {
      await records.insertSubscription({ id, grantId: validated.grantId, topicUrl: settings.topicUrl, patientKey: settings.patientKey,
        settings: json, status: settings.requestedStatus === 'off' ? 'off' : 'requested', now });
    } else {
      const status = settings.requestedStatus === 'off' ? 'off' : existing.status === 'off' && settings.requestedStatus !== 'requested' ? 'off' : existing.status;
      // The writer's grant takes the subscription over: it was checked against that grant just now.
      await records.updateSubscription(id, { grantId: validated.grantId, topicUrl: settings.topicUrl, patientKey: settings.patientKey, settings: json, status, now });
      if (settings.requestedStatus === 'requested') await records.restartSubscription(id, now);
    }
    if (settings.requestedStatus === 'off') this.sockets.stopped(id, 'it was turned off');
    this.deliverWake.wake();
  }

  async onSubscriptionDeleted(id: string): Promise<void> {
    await this.deps.store.subscriptions.deleteSubscription(id);
    this.sockets.stopped(id, 'it was deleted');
  }

  /** A round for this subscription now (a websocket bound to it); one in flight is followed by another. */
  async wake(id: string): Promise<void> {
    if (this.inFlightIds.has(id)) this.wokenInFlight.add(id);
    await this.deps.store.subscriptions.wakeSubscription(id, this.deps.clock.now().getTime());
    this.deliverWake.wake();
  }

  /** The stored Subscription with the engine's live `status` and `error` (R4 Subscription.error). */
  async decorate(resource: Resource): Promise<Resource> {
    const record = resource.id ? await this.deps.store.subscriptions.getSubscription(resource.id) : undefined;
    if (!record) return resource;
    const { error: _previous, ...rest } = resource as Resource & { error?: string };
    return { ...rest, status: record.status, ...(record.error ? { error: record.error } : {}) } as Resource;
  }

  /** `$status` for the given subscription ids (the caller decides which it may see). */
  async statusOf(ids: string[]): Promise<Resource> {
    const records = [];
    for (const id of ids) {
      const record = await this.deps.store.subscriptions.getSubscription(id);
      if (record) records.push(record);
    }
    return statusBundle(records, this.options.fhirBase);
  }

  /** `$events` (eventsSinceNumber / eventsUntilNumber, inclusive; defaults: all retained). */
  async eventsOf(id: string, access: AccessContext, since?: number, until?: number, content?: PayloadContent): Promise<Resource> {
    const record = await this.deps.store.subscriptions.getSubscription(id);
    if (!record) throw notFound(`Subscription/${id} is not known`);
    return eventsBundle(this.deps.store, this.topics, record, since ?? 1, until ?? record.eventsSinceStart, content, this.options.fhirBase,
      this.deps.clock.now().getTime(), access);
  }

  /** Call after any commit: the matcher looks at the change log at once instead of at its next poll. */
  notifyCommitted(): void {
    this.matchWake.wake();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.loop('matcher', this.matchWake, () => this.matchOnce()), this.loop('delivery', this.deliverWake, () => this.deliverOnce())];
  }

  /** Stops claiming work and waits for rounds in flight; undelivered events stay for the next start. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.matchWake.wake();
    this.deliverWake.wake();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One matcher pass over everything committed so far. */
  async matchOnce(): Promise<number> {
    const recorded = await matchPending({
      store: this.deps.store, topics: this.topics, settings: this.settings, clock: this.deps.clock, log: this.deps.log, fhirBase: this.options.fhirBase,
    });
    if (recorded > 0) this.deliverWake.wake();
    return recorded;
  }

  /** Claims due subscriptions and starts their rounds (not waiting for them: a slow endpoint blocks nobody). */
  async deliverOnce(): Promise<void> {
    await this.pruneIfDue();
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.deps.clock.now().getTime();
    const lease = now + this.options.maxTimeoutSeconds * 1000 + 30_000;
    const claimed = await this.deps.store.subscriptions.claimDue(now, lease, free);
    for (const record of claimed) {
      this.inFlightIds.add(record.id);
      const round = deliverRound({ store: this.deps.store, topics: this.topics, clock: this.deps.clock, log: this.deps.log, send: this.send,
        sockets: this.sockets, options: this.options, ...(this.deps.random ? { random: this.deps.random } : {}) }, record)
        .catch((error: unknown) => this.deps.log.error({ err: error, subscription: record.id }, 'delivery round failed'))
        .finally(async () => {
          this.inFlight.delete(round);
          this.inFlightIds.delete(record.id);
          // A socket bound while the round ran: its finish may have put the next round off; bring it back.
          if (this.wokenInFlight.delete(record.id)) await this.wake(record.id).catch(() => undefined);
          this.deliverWake.wake();
        });
      this.inFlight.add(round);
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastPrune < this.options.pruneEveryMs) return;
    this.lastPrune = now;
    await this.deps.store.subscriptions.pruneBefore(now - this.options.retentionMs);
  }

  private async loop(name: string, wake: WakeSignal, work: () => Promise<unknown>): Promise<void> {
    while (this.running) {
      try {
        await work();
      } catch (error) {
        this.deps.log.error({ err: error, loop: name }, 'subscriptions loop failed; retrying');
      }
      if (this.running) await wake.wait(this.options.pollMs);
    }
  }
}

export function createSubscriptionEngine(deps: EngineDeps): SubscriptionEngine {
  return new SubscriptionEngine(deps);
}
