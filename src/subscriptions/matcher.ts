import type { Clock, Logger, Metrics } from '../base/index.js';
import { topicFires, type TopicRegistry } from '../model/index.js';
import { StorageConflict, SUBSCRIPTIONS_MATCHER, type Change, type EventClaim, type NewEvent, type RecordedEvents, type Store } from '../storage/index.js';
import { loadChanges } from './load-change.js';
import { matchBatch, patientsOf, type FiringChange } from './match-batch.js';
import { SubscriptionCatalog } from './subscription-catalog.js';
import type { SettingsCache } from './subscription-settings-cache.js';

/**
 * Tails the committed change log after the fact (writes never wait for it; ARCHITECTURE.md) and
 * turns changes into numbered events. `store.readChanges` never skips a change committed out of
 * order (ADR 0001); each batch's events and the cursor advance are one transaction, so a crash
 * re-reads the batch and records it once.
 *
 * Round trips are the cost on PostgreSQL, so each is per batch, never per change: the changes
 * with their versions and the subscription catalog's version (one statement), and the record
 * (one statement, which also leases for delivery). The candidates — the subscriptions of the
 * batch's firing topics for its patients or for any patient — come from the catalog in memory,
 * read again only when a batch names a newer version. See README.md "The matcher".
 */
export interface MatcherDeps {
  store: Store;
  topics: TopicRegistry;
  settings: SettingsCache;
  clock: Clock;
  log: Logger;
  fhirBase: string;
  metrics?: Metrics;
  batchSize?: number;
  /**
   * Delivery's hand in the record: given the subscriptions that get events, runs `record` with
   * those this process may lease in the same statement, and starts the rounds of those it leased
   * (delivery-workers.ts), as soon as the batch is recorded: delivery need not wait for the
   * pass to end. Without it nothing is leased here.
   */
  recordClaiming?: (subscriptionIds: string[], record: (claim: EventClaim | undefined) => Promise<RecordedEvents>) => Promise<RecordedEvents>;
}

/** The cursor's name; the review gate compares changes with it (storage/review). */
export const MATCHER_NAME = SUBSCRIPTIONS_MATCHER;
const DEFAULT_BATCH = 200;

/** How many events were recorded; `heldBack`: committed changes wait behind an older transaction. */
export interface MatchOutcome {
  recorded: number;
  heldBack: boolean;
}

export class Matcher {
  /**
   * The shared cursor as this matcher last read or moved it; undefined: read it first. Another
   * process may have moved it since: the record's compare-and-set then refuses the batch and the
   * cursor is read again — a wasted batch, never a lost or doubled event.
   */
  private position: string | undefined;
  /** The subscriptions as of a catalog version at least as new as the last batch's. */
  private catalog: SubscriptionCatalog | undefined;
  /** The types the catalog's topics trigger on: their changes are read with their versions. */
  private contentTypes: string[] = [];

  constructor(private readonly deps: MatcherDeps) {}

  /** Matches every change committed so far. */
  async matchPending(): Promise<MatchOutcome> {
    const limit = this.deps.batchSize ?? DEFAULT_BATCH;
    let recorded = 0;
    for (;;) {
      const from = this.position ??= await this.deps.store.subscriptions.readCursor(MATCHER_NAME);
      const batch = await this.deps.store.readChanges(from === '' ? null : from, limit, this.contentTypes);
      const heldBack = batch.heldBack ?? false;
      if (batch.changes.length === 0 || batch.cursor === null) return { recorded, heldBack };
      const count = await this.record(from, batch.cursor, await this.eventsOf(batch.changes, batch.catalogVersion), batch.changes);
      if (count === undefined) continue; // another matcher recorded this batch first: read on from where it left
      recorded += count;
      // A short batch was the end of the log as of its read; a commit since has woken the loop again.
      if (batch.changes.length < limit) return { recorded, heldBack };
    }
  }

  private async eventsOf(changes: readonly Change[], catalogVersion: string): Promise<NewEvent[]> {
    // No topic triggers on any of these types (the subscriptions' own writes, say): nothing to look up.
    if (!changes.some((c) => this.deps.topics.forType(c.resourceType).length > 0)) return [];
    const catalog = await this.catalogAsOf(catalogVersion);
    const firing = await this.firing(changes, catalog);
    if (firing.length === 0) return [];
    const candidates = catalog.candidates(firing.flatMap((f) => f.topics), firing.flatMap((f) => f.patients));
    return matchBatch(firing, candidates, (record) => this.deps.settings.of(record));
  }

  /**
   * The catalog as of `version` or newer: read again (one statement) only when the batch names a
   * newer one — a subscription written since the last read, in any process.
   */
  private async catalogAsOf(version: string): Promise<SubscriptionCatalog> {
    if (this.catalog === undefined || BigInt(this.catalog.version) < BigInt(version)) {
      const read = await this.deps.store.subscriptions.catalog();
      this.catalog = SubscriptionCatalog.of(read.version, read.subscriptions);
      this.contentTypes = unique(this.catalog.topicUrls().flatMap((url) => this.deps.topics.get(url)?.resourceTrigger.map((t) => t.resource) ?? []));
    }
    return this.catalog;
  }

  /** The changes for which a topic someone listens to fires; the others are not even parsed. */
  private async firing(changes: readonly Change[], catalog: SubscriptionCatalog): Promise<FiringChange[]> {
    const { store, topics, fhirBase } = this.deps;
    const listened = changes.filter((c) => topics.forType(c.resourceType).some((t) => catalog.listens(t.url)));
    if (listened.length === 0) return [];
    const loaded = await loadChanges(store, listened, fhirBase);
    return listened.flatMap((change, i) => {
      const state = loaded[i]!;
      const urls = topics.forType(change.resourceType).filter((t) => catalog.listens(t.url) && topicFires(t, state)).map((t) => t.url);
      return urls.length > 0 ? [{ change, loaded: state, topics: urls, patients: patientsOf(state) }] : [];
    });
  }

  /** Records the batch; undefined when another matcher moved the cursor first. */
  private async record(from: string, to: string, events: NewEvent[], changes: readonly Change[]): Promise<number | undefined> {
    const now = this.deps.clock.now().getTime();
    let recorded: { subscriptionId: string }[];
    const { store, recordClaiming } = this.deps;
    const record = async (claim: EventClaim | undefined) => withFocus(await store.subscriptions.recordEventsClaiming(MATCHER_NAME, from, to, events, now, claim), changes);
    try {
      recorded = (await (recordClaiming && events.length > 0 ? recordClaiming(unique(events.map((e) => e.subscriptionId)), record) : record(undefined))).events;
    } catch (error) {
      // Refused, or an outcome we cannot know (a dropped connection): the cursor is read again.
      this.position = undefined;
      if (error instanceof StorageConflict) return undefined;
      throw error;
    }
    this.position = to;
    const count = recorded.length;
    this.deps.metrics?.subscriptionEventsRecorded.inc(count);
    for (const change of changes) this.deps.metrics?.subscriptionMatcherLag.observe(Math.max(0, now - change.lastUpdated) / 1000);
    return count;
  }

}

const unique = (values: string[]) => [...new Set(values)];

/**
 * The recorded events with their focus version as the batch read it (the version the change wrote,
 * a deletion's tombstone included) — what a round would read for them — where the batch brought
 * the versions: a round started on them needs no read (SubscriptionEngine.recordClaiming).
 */
function withFocus(recorded: RecordedEvents, changes: readonly Change[]): RecordedEvents {
  const byVersion = new Map(changes.map((c) => [`${c.resourceType}/${c.id}/${c.versionId}`, c]));
  const events = recorded.events.map((event) => {
    const focus = byVersion.get(`${event.focusType}/${event.focusId}/${event.focusVersion}`)?.versions?.current;
    return focus ? { ...event, focus: { lastUpdated: focus.lastUpdated, deleted: focus.deleted, json: focus.json } } : event;
  });
  return { ...recorded, events };
}
