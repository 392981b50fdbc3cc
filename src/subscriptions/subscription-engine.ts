import { checkDestination, OutboundRefused, type Clock, type Logger, type Metrics } from '../base/index.js';
import { SubscriptionStandings, type AccessContext } from '../access/index.js';
import {
  issue, notFound, OperationOutcomeError, topicToBasic, TopicRegistry, validateSubscription as checkSubscription,
  type OperationOutcomeIssue, type PayloadContent, type Resource, type SubscriptionSettings, type TopicDefinition,
} from '../model/index.js';
import type { Store } from '../storage/index.js';
import { authorizeSubscription } from './authorize-subscription.js';
import { CrossProcessWake } from './cross-process-wake.js';
import type { RoundDeps } from './deliver-round.js';
import { DeliveryWorkers } from './delivery-workers.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options.js';
import { Matcher } from './matcher.js';
import { restHookSender, type RestHookSender } from './rest-hook-sender.js';
import { eventsBundle, statusBundle } from './status-bundles.js';
import type { NotificationSigner } from './sign-notification.js';
import { SettingsCache } from './subscription-settings-cache.js';
import { turnOffDeadGrants } from './turn-off-dead-grants.js';
import { WakeSignal } from './wake-signal.js';
import type { OnDisclosed } from './disclosed-notification.js';

/**
 * Changes held back behind an older transaction (PostgreSQL) are looked for again after 2 ms,
 * doubling to 50 ms at most: the transaction that holds them may commit without announcing it (a
 * delivery's, another database's), and with the interval left to double up to the poll a change
 * waited up to a second past its release. A look is one indexed statement: 20 a second is cheap.
 */
const HELD_BACK_FIRST_RETRY_MS = 2;
const HELD_BACK_MAX_RETRY_MS = 50;
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
  /** Outbound delivery; defaults to the rest-hook sender (an OutboundClient of its own). */
  send?: RestHookSender;
  /** Signs every rest-hook body with the server's keys (X-Signature); unsigned without it. */
  sign?: NotificationSigner;
  /** Delivery counters and latencies; the queue-depth and status gauges read the records. */
  metrics?: Metrics;
  random?: () => number;
  /** Issue 5: called after each notification an endpoint accepted (the disclosure log). */
  onDisclosed?: OnDisclosed;
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
  private readonly otherProcesses: CrossProcessWake;
  /** Work that is not a delivery round (grant sweeps) but must end before the store closes. */
  private readonly background = new Set<Promise<void>>();
  /** The leased subscriptions of this process and their rounds. */
  private readonly workers: DeliveryWorkers;
  private running = false;
  private loops: Promise<void>[] = [];
  private lastPrune = 0;
  private lastGrantSweep = 0;
  /** 0, or how soon the matcher looks again for changes held back (doubling while they are). */
  private heldBackRetryMs = 0;
  private readonly matcher: Matcher;

  constructor(private readonly deps: EngineDeps) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
    this.topics = new TopicRegistry(deps.topics ?? []);
    this.settings = new SettingsCache(this.topics);
    this.send = deps.send ?? restHookSender(this.options.mode, this.options.maxResponseBytes);
    this.otherProcesses = new CrossProcessWake(deps.store.signals, deps.log, () => this.matchWake.wake());
    if (deps.metrics) deps.metrics.subscriptionBacklog.source = () => deps.store.subscriptions.backlog();
    this.sockets = new WebsocketHub(() => deps.clock.now().getTime());
    const rounds: RoundDeps = { store: deps.store, topics: this.topics, clock: deps.clock, log: deps.log, send: this.send, sockets: this.sockets, options: this.options,
      standings: new SubscriptionStandings(deps.store.auth, this.options.grantTrustMs),
      ...(deps.sign ? { sign: deps.sign } : {}), ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(deps.random ? { random: deps.random } : {}),
      ...(deps.onDisclosed ? { onDisclosed: deps.onDisclosed } : {}) };
    this.workers = new DeliveryWorkers({ store: deps.store, log: deps.log, now: () => deps.clock.now().getTime(), options: this.options, rounds,
      running: () => this.running, wantClaim: () => this.deliverWake.wake(), wake: (id) => this.wake(id) });
    // Delivery starts from each recorded batch (its record leases), not at the end of the matcher's pass.
    this.matcher = new Matcher({ store: deps.store, topics: this.topics, settings: this.settings, clock: deps.clock, log: deps.log,
      fhirBase: this.options.fhirBase, recordClaiming: (ids, record) => this.workers.recordClaiming(ids, record),
      ...(deps.metrics ? { metrics: deps.metrics } : {}) });
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
      // The writer's grant takes the subscription over: it was checked against that grant just now.
      // The status stays the engine's as stored at the update (not as read above) unless the writer set off or requested.
      await records.updateSubscription(id, { grantId: validated.grantId, topicUrl: settings.topicUrl, patientKey: settings.patientKey, settings: json, now,
        turnOff: settings.requestedStatus === 'off', restart: settings.requestedStatus === 'requested' });
    }
    if (settings.requestedStatus === 'off') this.sockets.stopped(id, 'it was turned off');
    this.deliverWake.wake();
  }

  async onSubscriptionDeleted(id: string): Promise<void> {
    await this.deps.store.subscriptions.deleteSubscription(id);
    this.sockets.stopped(id, 'it was deleted');
  }

  /**
   * A client's review policy changed (`handover client review`, possibly in another process):
   * every subscription with an event waiting for that client's clinicians is judged again now, so
   * a dropped policy lets what waits go out without a new change to wake it.
   */
  async reviewPolicyChanged(clientId: string): Promise<void> {
    const waiting = new Set((await this.deps.store.review.pending(clientId)).map((item) => item.subscriptionId));
    for (const id of waiting) await this.wake(id);
  }

  /** A round for this subscription now (a websocket bound to it); one in flight is followed by another. */
  async wake(id: string): Promise<void> {
    this.workers.woken(id);
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
    return statusBundle(this.deps.store, records, this.options.fhirBase);
  }

  /** `$events` (eventsSinceNumber / eventsUntilNumber, inclusive; defaults: all retained). */
  async eventsOf(id: string, access: AccessContext, since?: number, until?: number, content?: PayloadContent): Promise<Resource> {
    const record = await this.deps.store.subscriptions.getSubscription(id);
    if (!record) throw notFound(`Subscription/${id} is not known`);
    return eventsBundle(this.deps.store, this.topics, record, since ?? 1, until ?? record.eventsSinceStart, content, this.options.fhirBase,
      this.deps.clock.now().getTime(), access);
  }

  /**
   * Call after a grant was revoked (any surface): its subscriptions turn `off` before this
   * resolves, so `$status` tells the truth at once; those of grants derived from it follow in a
   * sweep of every grant, not awaited (a revocation need not wait for thousands of grants). Never
   * throws: a failure is logged, and the check before every send still holds.
   */
  async onGrantsEnded(grantIds: string[]): Promise<void> {
    const log = (error: unknown) => this.deps.log.error({ err: error, grants: grantIds }, 'turning off the subscriptions of ended grants failed');
    try {
      await turnOffDeadGrants(this.deps, grantIds);
    } catch (error) {
      log(error);
    }
    this.lastGrantSweep = this.deps.clock.now().getTime();
    const sweep = turnOffDeadGrants(this.deps).then(() => undefined, log);
    this.background.add(sweep);
    void sweep.finally(() => this.background.delete(sweep));
  }

  /** Call after any commit: the matcher looks at the change log at once instead of at its next poll. */
  notifyCommitted(): void {
    this.matchWake.wake();
    this.otherProcesses.announce();
  }

  /** Starts the loops; `listening()` resolves once commits of other processes wake this one. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.otherProcesses.start();
    this.loops = [
      this.loop('matcher', this.matchWake, () => this.matchOnce(), () => this.heldBackRetryMs || this.options.pollMs),
      this.loop('delivery', this.deliverWake, () => this.deliverOnce(), () => this.options.pollMs),
    ];
  }

  /** Stops claiming work and waits for rounds in flight; undelivered events stay for the next start. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.matchWake.wake();
    this.deliverWake.wake();
    await this.otherProcesses.stop();
    await Promise.all(this.loops);
    await Promise.allSettled([this.workers.settled(), ...this.background]);
  }

  /** Resolves once the started engine hears other processes' commits (at once on SQLite). */
  listening(): Promise<void> {
    return this.otherProcesses.ready();
  }

  /** One matcher pass over everything committed so far. */
  async matchOnce(): Promise<number> {
    const { recorded, heldBack } = await this.matcher.matchPending();
    // A change held back behind an older transaction (PostgreSQL) is looked for again soon, backing
    // off to HELD_BACK_MAX_RETRY_MS: the transaction that holds it back may commit without announcing anything.
    this.heldBackRetryMs = heldBack
      ? Math.min(this.options.pollMs, HELD_BACK_MAX_RETRY_MS, this.heldBackRetryMs === 0 ? HELD_BACK_FIRST_RETRY_MS : this.heldBackRetryMs * 2) : 0;
    return recorded;
  }

  /** Claims due subscriptions and starts their rounds (not waiting for them: a slow endpoint blocks nobody). */
  async deliverOnce(): Promise<void> {
    await this.pruneIfDue();
    await this.sweepGrantsIfDue();
    await this.workers.claimDue();
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastPrune < this.options.pruneEveryMs) return;
    this.lastPrune = now;
    await this.deps.store.subscriptions.pruneBefore(now - this.options.retentionMs);
  }

  private async sweepGrantsIfDue(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastGrantSweep < this.options.grantSweepEveryMs) return;
    this.lastGrantSweep = now;
    await turnOffDeadGrants(this.deps);
  }

  private async loop(name: string, wake: WakeSignal, work: () => Promise<unknown>, delay: () => number): Promise<void> {
    while (this.running) {
      try {
        await work();
      } catch (error) {
        this.deps.log.error({ err: error, loop: name }, 'subscriptions loop failed; retrying');
      }
      if (this.running) await wake.wait(delay());
    }
  }
}

export function createSubscriptionEngine(deps: EngineDeps): SubscriptionEngine {
  return new SubscriptionEngine(deps);
}
