import type { Clock, Logger, Metrics } from '../base/index.js';
import { compartmentPatients, filtersMatch, interactionOf, topicFires, type ResourceChange, type TopicRegistry } from '../model/index.js';
import { StorageConflict, type Change, type NewEvent, type Store } from '../storage/index.js';
import { loadChange } from './load-change.js';
import type { SettingsCache } from './subscription-settings-cache.js';

/**
 * Tails the committed change log after the fact (writes never wait for it; ARCHITECTURE.md) and
 * turns changes into numbered events. `store.readChanges` never skips a change committed out of
 * order (ADR 0001); each batch's events and the cursor advance are one transaction, so a crash
 * re-reads the batch and records it once. Only subscriptions that could match are looked at:
 * the topics a change of this type fires, then the subscriptions of those topics for the
 * change's patients or for any patient (an index lookup).
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
}

export const MATCHER_NAME = 'subscriptions';

/** How many events were recorded; `heldBack`: committed changes wait behind an older transaction. */
export interface MatchOutcome {
  recorded: number;
  heldBack: boolean;
}

/** Matches every change committed so far. */
export async function matchPending(deps: MatcherDeps): Promise<MatchOutcome> {
  let recorded = 0;
  for (;;) {
    const from = await deps.store.subscriptions.readCursor(MATCHER_NAME);
    const batch = await deps.store.readChanges(from === '' ? null : from, deps.batchSize ?? 200);
    if (batch.changes.length === 0 || batch.cursor === null) return { recorded, heldBack: batch.heldBack ?? false };
    // Read after the batch: a subscription created before one of these changes committed is seen.
    const concerned = new Set(batch.changes.flatMap((change) => deps.topics.forType(change.resourceType).map((topic) => topic.url)));
    const liveTopics = await deps.store.subscriptions.liveTopicUrls([...concerned]);
    const events: NewEvent[] = [];
    if (liveTopics.size > 0) for (const change of batch.changes) events.push(...(await eventsOf(change, liveTopics, deps)));
    try {
      const now = deps.clock.now().getTime();
      const count = (await deps.store.subscriptions.recordEvents(MATCHER_NAME, from, batch.cursor, events, now)).length;
      recorded += count;
      deps.metrics?.subscriptionEventsRecorded.inc(count);
      for (const change of batch.changes) deps.metrics?.subscriptionMatcherLag.observe(Math.max(0, now - change.lastUpdated) / 1000);
    } catch (error) {
      // Another process's matcher recorded this batch first: read on from where it left.
      if (!(error instanceof StorageConflict)) throw error;
    }
  }
}

async function eventsOf(change: Change, liveTopics: Set<string>, deps: MatcherDeps): Promise<NewEvent[]> {
  // Nobody listens to this type's topics: the change is not even read.
  const topics = deps.topics.forType(change.resourceType).filter((topic) => liveTopics.has(topic.url));
  if (topics.length === 0) return [];
  const loaded = await loadChange(deps.store, change, deps.fhirBase);
  const firing = topics.filter((topic) => topicFires(topic, loaded));
  if (firing.length === 0) return [];
  const candidates = await deps.store.subscriptions.candidates(firing.map((t) => t.url), patientsOf(loaded));
  const state = loaded.current ?? loaded.previous;
  const events: NewEvent[] = [];
  for (const candidate of candidates) {
    // A subscription hears about changes from its creation on, and none after its `end`.
    if (change.lastUpdated < candidate.createdAt) continue;
    const { settings, filters } = deps.settings.of(candidate);
    if (settings.end !== null && change.lastUpdated > settings.end) continue;
    if (!filters || !state || !filtersMatch(filters, change.resourceType, state)) continue;
    events.push({
      subscriptionId: candidate.id, focusType: change.resourceType, focusId: change.id, focusVersion: change.versionId,
      interaction: interactionOf(loaded), occurredAt: change.lastUpdated,
    });
  }
  return events;
}

function patientsOf(change: ResourceChange): string[] {
  const ids = new Set<string>();
  for (const state of [change.previous, change.current]) {
    if (state) for (const id of compartmentPatients(change.resourceType, state.id, state.index)) ids.add(id);
  }
  return [...ids];
}
