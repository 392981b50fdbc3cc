import { compileFilters, type CompiledFilters, type SubscriptionSettings, type TopicRegistry } from '../model/index.js';
import type { SubscriptionRecord } from '../storage/index.js';

/**
 * A subscription record's settings parsed and its filters compiled once per version of the
 * record (`updatedAt`), not once per change matched.
 */
export interface ParsedSubscription {
  settings: SubscriptionSettings;
  filters: CompiledFilters | undefined;
}

export class SettingsCache {
  private readonly cache = new Map<string, { updatedAt: number; parsed: ParsedSubscription }>();

  constructor(private readonly topics: TopicRegistry) {}

  of(record: SubscriptionRecord): ParsedSubscription {
    const hit = this.cache.get(record.id);
    if (hit && hit.updatedAt === record.updatedAt) return hit.parsed;
    const settings = JSON.parse(record.settings) as SubscriptionSettings;
    const topic = this.topics.get(settings.topicUrl);
    // A topic the operator removed since: the subscription can no longer match anything.
    const filters = topic ? compileFilters(topic, settings.filters, () => 'Subscription.criteria') : undefined;
    const parsed = { settings, filters };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(record.id, { updatedAt: record.updatedAt, parsed });
    return parsed;
  }
}
