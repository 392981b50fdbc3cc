import type { Row } from '../sql/sql-executor.js';
import type { DeliveryAttempt, EventRecord, SubscriptionRecord, SubscriptionState } from './subscription-records.js';

/** Rows of the subscription tables as records (both engines: SQLite integers, PostgreSQL BIGINT strings). */
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function subscriptionOf(r: Row): SubscriptionRecord {
  return {
    id: String(r.id), grantId: textOrNull(r.grant_id), topicUrl: String(r.topic_url), patientKey: textOrNull(r.patient_key),
    settings: String(r.settings), status: String(r.status) as SubscriptionState, eventsSinceStart: num(r.events_since_start),
    lastDelivered: num(r.last_delivered), error: textOrNull(r.error), failingSince: numOrNull(r.failing_since), failures: num(r.failures),
    nextAttemptAt: numOrNull(r.next_attempt_at), leasedUntil: numOrNull(r.leased_until), lastSentAt: numOrNull(r.last_sent_at),
    createdAt: num(r.created_at), updatedAt: num(r.updated_at),
  };
}

export function eventOf(r: Row): EventRecord {
  return {
    subscriptionId: String(r.subscription_id), eventNumber: num(r.event_number), focusType: String(r.focus_type), focusId: String(r.focus_id),
    focusVersion: num(r.focus_version), interaction: String(r.interaction) as EventRecord['interaction'], occurredAt: num(r.occurred_at),
    recordedAt: num(r.recorded_at), deliveredAt: numOrNull(r.delivered_at),
  };
}

export function attemptOf(r: Row): DeliveryAttempt {
  return {
    subscriptionId: String(r.subscription_id), attemptedAt: num(r.attempted_at), kind: String(r.kind) as DeliveryAttempt['kind'],
    firstEvent: numOrNull(r.first_event), lastEvent: numOrNull(r.last_event), ok: Number(r.ok) === 1, statusCode: numOrNull(r.status_code),
    latencyMs: num(r.latency_ms), error: textOrNull(r.error),
  };
}
