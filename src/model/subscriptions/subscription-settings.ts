import type { SubscriptionFilter } from './parse-filter.js';

/** Backport IG STU 1.1 extension URLs (StructureDefinition-backport-*.html). */
export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
export const FILTER_CRITERIA_URL = `${BACKPORT}backport-filter-criteria`;
export const HEARTBEAT_PERIOD_URL = `${BACKPORT}backport-heartbeat-period`;
export const TIMEOUT_URL = `${BACKPORT}backport-timeout`;
export const MAX_COUNT_URL = `${BACKPORT}backport-max-count`;
export const PAYLOAD_CONTENT_URL = `${BACKPORT}backport-payload-content`;
export const BACKPORT_SUBSCRIPTION_PROFILE = `${BACKPORT}backport-subscription`;

/** Backport IG channel types served here ("Channels"). */
export type ChannelType = 'rest-hook' | 'websocket';
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';
export type SubscriptionStatusCode = 'requested' | 'active' | 'error' | 'off';

/**
 * What the engine needs to run one subscription, read from the Subscription resource once it
 * validated (validate-subscription.ts). Durations in seconds, instants in epoch ms.
 */
export interface SubscriptionSettings {
  topicUrl: string;
  filters: SubscriptionFilter[];
  /** The patient id when the filters confine the subscription to one patient (candidate index). */
  patientKey: string | null;
  channelType: ChannelType;
  /** rest-hook: the URL notifications are POSTed to; websocket: '' (the subscriber connects to us). */
  endpoint: string;
  /** `channel.header` as given: `Name: value`. */
  headers: string[];
  /** `channel.payload`: the Content-Type of every POST. */
  payload: string;
  content: PayloadContent;
  heartbeatSeconds: number | null;
  timeoutSeconds: number;
  maxCount: number;
  /** `end`, epoch ms. */
  end: number | null;
  /** The status the subscriber asked for (`requested` to (re)start, `off` to stop). */
  requestedStatus: SubscriptionStatusCode;
}
