import type { ReviewPort } from '../auth/index.js';
import { parseReviewKey, type ReviewQueue } from '../consent/index.js';
import type { ReviewKey } from '../storage/index.js';
import type { SubscriptionEngine } from '../subscriptions/index.js';

/**
 * Review before sending (issue 5 c, ADR 0014) wired to the others — capabilities never import each
 * other, so they meet here: the clinician pages reach the consent capability's queue through the
 * `ReviewPort`, and a decision wakes the subscriptions it concerns so what was approved (or
 * rejected, at `empty` level) goes out at once rather than at the next poll.
 */
export function reviewPort(queue: ReviewQueue): ReviewPort {
  return {
    recipients: () => queue.recipients(),
    queueOf: async (clientId) => {
      const found = await queue.queueOf(clientId);
      return found && {
        ...found,
        decided: found.decided.map((d) => ({ eventNumber: d.eventNumber, focus: `${d.focusType}/${d.focusId}/_history/${d.focusVersion}`, state: d.state,
          reason: d.reason, decidedBy: d.decidedBy, decidedAt: d.decidedAt })),
      };
    },
    decide: (clientId, keys, decision, by) => {
      const parsed = keys.map(parseReviewKey).filter((k): k is ReviewKey => k !== undefined);
      return queue.decide(clientId, parsed, decision, by);
    },
  };
}

/** What the queue calls after decisions: each subscription's next round now. */
export function wakeDecided(engine: SubscriptionEngine): (subscriptionIds: string[]) => Promise<void> {
  return async (ids) => {
    for (const id of ids) await engine.wake(id);
  };
}
