import { builtInTopics } from './built-in-topics.js';
import type { TopicDefinition } from './topic-definition.js';

/**
 * The topics a server offers: the built-in ones plus the operator's, looked up by canonical URL
 * and by resource type (the matcher asks which topics a change of a type can fire).
 */
export class TopicRegistry {
  private readonly byUrl = new Map<string, TopicDefinition>();
  private readonly byType = new Map<string, TopicDefinition[]>();

  constructor(extra: TopicDefinition[] = [], includeBuiltIn = true) {
    for (const topic of [...(includeBuiltIn ? builtInTopics() : []), ...extra]) this.add(topic);
  }

  add(topic: TopicDefinition): void {
    if (this.byUrl.has(topic.url)) throw new Error(`Two topics share the URL ${topic.url}`);
    this.byUrl.set(topic.url, topic);
    for (const type of new Set(topic.resourceTrigger.map((t) => t.resource))) {
      this.byType.set(type, [...(this.byType.get(type) ?? []), topic]);
    }
  }

  get(url: string): TopicDefinition | undefined {
    return this.byUrl.get(url);
  }

  all(): TopicDefinition[] {
    return [...this.byUrl.values()];
  }

  forType(resourceType: string): TopicDefinition[] {
    return this.byType.get(resourceType) ?? [];
  }
}
