import type { Metrics } from '../base/index.js';
import type { NotificationType } from '../model/index.js';

export interface SentNotification {
  channel: string;
  type: NotificationType;
  ok: boolean;
  /** The attempt follows a failed one (a back-off retry). */
  retry: boolean;
  /** When each event's change committed (epoch ms), for the commit → 2xx latency. */
  occurredAt: number[];
  /** When the endpoint answered. */
  answeredAt: number;
}

/** Counts one send in `/metrics` (issue 4: "every delivery attempt and result is visible"). */
export function recordSendMetrics(metrics: Metrics | undefined, sent: SentNotification): void {
  if (!metrics) return;
  const labels = { channel: sent.channel, outcome: sent.ok ? 'delivered' : 'failed' };
  if (sent.type === 'handshake') metrics.subscriptionHandshakes.inc(labels);
  else if (sent.type === 'heartbeat') metrics.subscriptionHeartbeats.inc(labels);
  else metrics.subscriptionDeliveries.inc(labels);
  if (sent.retry) metrics.subscriptionRetries.inc({ channel: sent.channel });
  if (!sent.ok) return;
  for (const at of sent.occurredAt) metrics.subscriptionDeliveryLatency.observe({ channel: sent.channel }, Math.max(0, sent.answeredAt - at) / 1000);
}
