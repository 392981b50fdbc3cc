import type { NotificationEvent, PayloadContent, Resource } from '../model/index.js';
import type { DisclosureRecord } from '../storage/index.js';

/**
 * What a delivered notification disclosed (issue 5, the disclosure log): its subscription, the
 * grant it went out under, its event numbers and the versioned references of every resource it
 * named or carried — the focus (unless sent at `empty` level) and the notificationShape additions.
 */
export interface DisclosedNotification {
  subscriptionId: string;
  grantId: string | null;
  /** The client holding that grant, when the round knows it (saves the log a lookup). */
  clientId?: string;
  eventNumbers: number[];
  references: string[];
}

/**
 * Called after an endpoint accepted a notification (2xx): the disclosure record to write in the
 * transaction that marks its events delivered (undefined: nothing to record).
 */
export type OnDisclosed = (sent: DisclosedNotification) => Promise<DisclosureRecord | undefined>;

export function disclosedReferences(events: NotificationEvent[], content: PayloadContent): string[] {
  if (content === 'empty') return [];
  const refs = new Set<string>();
  const versioned = (r: Resource) => (r.meta?.versionId ? `${r.resourceType}/${r.id}/_history/${r.meta.versionId}` : `${r.resourceType}/${r.id}`);
  for (const event of events) {
    if (event.withheld !== undefined) continue;
    refs.add(`${event.focus.resourceType}/${event.focus.id}/_history/${event.focus.versionId}`);
    for (const additional of content === 'full-resource' ? event.additional ?? [] : []) refs.add(versioned(additional));
  }
  return [...refs];
}
