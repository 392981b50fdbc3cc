import type { PortalPerson } from './consent-port.js';

/**
 * What the clinician review pages need from the consent capability (issue 5 c, ADR 0014). Built by
 * http/ (src/http/review-wiring.ts) and passed in the AuthContext; the shapes are the pages'.
 */
export interface ReviewPort {
  /** Recipients with events waiting for review. */
  recipients(): Promise<{ clientId: string; name: string; pending: number }[]>;
  /** One recipient's queue; undefined when the client is unknown. */
  queueOf(clientId: string): Promise<ReviewQueueView | undefined>;
  /** Decides the items named by their keys (`<subscription>/<event number>`); how many were still waiting. */
  decide(clientId: string, keys: string[], decision: { approve: true } | { approve: false; reason: string }, by: PortalPerson): Promise<number>;
}

export interface ReviewQueueView {
  name: string;
  reviewRequired: boolean;
  waiting: {
    key: string;
    eventNumber: number;
    patientId: string | null;
    interaction: string;
    occurredAt: number;
    focus: string;
    content: string;
    resource: string | null;
  }[];
  decided: { eventNumber: number; focus: string; state: string; reason: string | null; decidedBy: string | null; decidedAt: number | null }[];
}
