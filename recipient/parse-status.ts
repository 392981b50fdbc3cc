import { InvalidNotification, type Notification } from './notification.js';
import { parseNotification } from './parse-notification.js';

/**
 * Backport IG `$status` (OperationDefinition backport-subscription-status): a `searchset` Bundle
 * whose entries are SubscriptionStatus `Parameters` of type `query-status`, one per subscription.
 * Each is read exactly like a notification's status (it shares the profile), so the answer is one
 * `Notification` (no events) per subscription: its `status` (`active`, `error`, `off`, …), its
 * `eventsSinceSubscriptionStart` and its `errors`.
 */
export function parseStatusBundle(body: unknown): Notification[] {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
  if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle') throw new InvalidNotification('the $status answer is not a Bundle');
  if (bundle.type !== 'searchset') throw new InvalidNotification(`the $status answer is a ${String(bundle.type)} Bundle, not a searchset`);
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as { resource?: { resourceType?: unknown } }[]) : [];
  return entries.filter((e) => e.resource?.resourceType === 'Parameters').map((e, i) => {
    const status = parseNotification({ resourceType: 'Bundle', type: 'history', entry: [{ resource: e.resource }] });
    if (status.type !== 'query-status') throw new InvalidNotification(`$status entry ${i} is a ${status.type}, not a query-status`);
    return status;
  });
}
