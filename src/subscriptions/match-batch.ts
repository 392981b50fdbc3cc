import { compartmentPatients, filtersMatch, interactionOf, type ResourceChange } from '../model/index.js';
import type { Change, NewEvent, SubscriptionRecord } from '../storage/index.js';
import type { ParsedSubscription } from './subscription-settings-cache.js';

/** A change of the batch, loaded, with the topics that fire for it and the patients it concerns. */
export interface FiringChange {
  change: Change;
  loaded: ResourceChange;
  /** URLs of the topics that fire for it (at least one). */
  topics: string[];
  patients: string[];
}

/** The patients whose compartment the change is in, before or after it. */
export function patientsOf(change: ResourceChange): string[] {
  const ids = new Set<string>();
  for (const state of [change.previous, change.current]) {
    if (state) for (const id of compartmentPatients(change.resourceType, state.id, state.index)) ids.add(id);
  }
  return [...ids];
}

/**
 * A batch's events, in change order (so each subscription's events are numbered in change-log
 * order), from the candidates one lookup found for the whole batch — subscriptions of any of its
 * firing topics, for any of its patients or for any patient: each change takes those of its own
 * topics and patients, then the subscription's own window and filters decide.
 */
export function matchBatch(changes: readonly FiringChange[], candidates: readonly SubscriptionRecord[],
  parsed: (record: SubscriptionRecord) => ParsedSubscription): NewEvent[] {
  const byTopic = new Map<string, SubscriptionRecord[]>();
  for (const candidate of candidates) byTopic.set(candidate.topicUrl, [...(byTopic.get(candidate.topicUrl) ?? []), candidate]);
  const events: NewEvent[] = [];
  for (const { change, loaded, topics, patients } of changes) {
    const state = loaded.current ?? loaded.previous;
    if (!state) continue;
    for (const candidate of topics.flatMap((url) => byTopic.get(url) ?? [])) {
      if (candidate.patientKey !== null && !patients.includes(candidate.patientKey)) continue;
      // A subscription hears about changes from its creation on, and none after its `end`.
      if (change.lastUpdated < candidate.createdAt) continue;
      const { settings, filters } = parsed(candidate);
      if (settings.end !== null && change.lastUpdated > settings.end) continue;
      if (!filters || !filtersMatch(filters, change.resourceType, state)) continue;
      events.push({
        subscriptionId: candidate.id, focusType: change.resourceType, focusId: change.id, focusVersion: change.versionId,
        interaction: interactionOf(loaded), occurredAt: change.lastUpdated,
      });
    }
  }
  return events;
}
