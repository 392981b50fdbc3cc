import type { SubscriptionRecord } from '../storage/index.js';

interface TopicEntry {
  anyPatient: SubscriptionRecord[];
  byPatient: Map<string, SubscriptionRecord[]>;
}

/**
 * The subscriptions that are not off, as this process last read them, by topic and patient: the
 * matcher's candidates without a statement per batch (a round trip each on PostgreSQL).
 *
 * Valid while the store's catalog version is the one it was read at (SubscriptionRecords.catalog):
 * every write that can add a candidate or change one — insert, update, restart, delete — moves the
 * version in its own transaction, and each change-log read names the version as of its snapshot.
 * So a subscription created before a change committed is in any catalog that change is matched
 * against. One that turned off since may still be here: the record drops its events.
 */
export class SubscriptionCatalog {
  private constructor(readonly version: string, private readonly byTopic: Map<string, TopicEntry>) {}

  static of(version: string, subscriptions: readonly SubscriptionRecord[]): SubscriptionCatalog {
    const byTopic = new Map<string, TopicEntry>();
    for (const subscription of subscriptions) {
      if (subscription.status === 'off') continue;
      let entry = byTopic.get(subscription.topicUrl);
      if (!entry) byTopic.set(subscription.topicUrl, entry = { anyPatient: [], byPatient: new Map() });
      if (subscription.patientKey === null) entry.anyPatient.push(subscription);
      else {
        const own = entry.byPatient.get(subscription.patientKey);
        if (own) own.push(subscription);
        else entry.byPatient.set(subscription.patientKey, [subscription]);
      }
    }
    return new SubscriptionCatalog(version, byTopic);
  }

  /** Whether any subscription listens to the topic. */
  listens(topicUrl: string): boolean {
    return this.byTopic.has(topicUrl);
  }

  /** The topics someone listens to. */
  topicUrls(): string[] {
    return [...this.byTopic.keys()];
  }

  /**
   * Subscriptions of these topics for any patient or for one of these patients, once each: an
   * index lookup per topic and patient, whatever else the catalog holds.
   */
  candidates(topicUrls: Iterable<string>, patientIds: Iterable<string>): SubscriptionRecord[] {
    const found = new Map<string, SubscriptionRecord>();
    const patients = [...patientIds];
    for (const url of new Set(topicUrls)) {
      const entry = this.byTopic.get(url);
      if (!entry) continue;
      for (const subscription of entry.anyPatient) found.set(subscription.id, subscription);
      for (const patient of patients) for (const subscription of entry.byPatient.get(patient) ?? []) found.set(subscription.id, subscription);
    }
    return [...found.values()];
  }
}
