import { isIP } from 'node:net';
import type { OperationOutcomeIssue, Resource } from '../fhir-types.js';
import { issue } from '../outcome/index.js';
import { compileFilters, patientKeyOf } from './match-filters.js';
import { parseFilter, type SubscriptionFilter } from './parse-filter.js';
import {
  FILTER_CRITERIA_URL, HEARTBEAT_PERIOD_URL, MAX_COUNT_URL, PAYLOAD_CONTENT_URL, TIMEOUT_URL,
  type ChannelType, type PayloadContent, type SubscriptionSettings, type SubscriptionStatusCode,
} from './subscription-settings.js';
import type { TopicDefinition } from './topic-definition.js';

/**
 * A Subscription checked against the Backport IG STU 1.1 profile (backport-subscription) and what
 * this server can honour. Pure: the caller gives the topics, the mode and the clock; DNS checks of
 * the endpoint happen above (they need I/O). Everything wrong is reported at once, each issue's
 * `expression` naming the element.
 */
export interface SubscriptionPolicy {
  mode: 'sandbox' | 'production';
  topicOf(url: string): TopicDefinition | undefined;
  /** Shortest heartbeat (s): 1 in sandbox; production raises shorter ones to this. */
  minHeartbeatSeconds: number;
  maxTimeoutSeconds: number;
  defaultTimeoutSeconds: number;
  maxMaxCount: number;
  /** Epoch ms. */
  now: number;
}

export type SubscriptionCheck =
  | { ok: true; settings: SubscriptionSettings; resource: Resource; warnings: OperationOutcomeIssue[] }
  | { ok: false; issues: OperationOutcomeIssue[] };

type Ext = { url?: string; [value: string]: unknown };

export function validateSubscription(input: Resource, policy: SubscriptionPolicy): SubscriptionCheck {
  const issues: OperationOutcomeIssue[] = [];
  const warnings: OperationOutcomeIssue[] = [];
  const fail = (code: string, text: string, where: string) => issues.push(issue(code, text, where));
  const resource = structuredClone(input) as Resource & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (resource.resourceType !== 'Subscription') return { ok: false, issues: [issue('invalid', 'Expected a Subscription', 'resourceType')] };

  const requestedStatus = statusOf(resource.status, fail);
  const { topic, filters } = topicAndFilters(resource, policy, fail);
  const channel = (typeof resource.channel === 'object' && resource.channel !== null ? resource.channel : {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const channelExt = (Array.isArray(channel.extension) ? channel.extension : []) as Ext[];

  if (channel.type !== 'rest-hook' && channel.type !== 'websocket') {
    fail(channel.type === undefined ? 'required' : 'not-supported',
      channel.type === undefined ? 'channel.type is required' : `Channel type "${String(channel.type)}" is not supported here; use rest-hook or websocket`, 'Subscription.channel.type');
  }
  const channelType: ChannelType = channel.type === 'websocket' ? 'websocket' : 'rest-hook';
  // Backport IG "Websockets": the subscriber connects to us, so there is no endpoint to check (one given is kept, unused).
  const endpoint = channelType === 'websocket' ? '' : checkEndpoint(channel.endpoint, policy.mode, fail);
  const headers = checkHeaders(channel.header, fail);
  const payload = checkPayload(channel, fail, warnings);
  const content = checkContent(channel, fail);

  let heartbeatSeconds = unsignedExtension(channelExt, HEARTBEAT_PERIOD_URL, 'Subscription.channel.extension(backport-heartbeat-period)', fail);
  if (heartbeatSeconds !== null) {
    if (heartbeatSeconds < 1) fail('value', 'heartbeatPeriod must be at least 1 second', 'Subscription.channel.extension(backport-heartbeat-period)');
    else if (heartbeatSeconds < policy.minHeartbeatSeconds) {
      // Backport IG: the server may adjust the heartbeat; the returned resource shows the value used.
      warnings.push(issue('value', `heartbeatPeriod raised from ${heartbeatSeconds} s to this server's minimum of ${policy.minHeartbeatSeconds} s`,
        'Subscription.channel.extension(backport-heartbeat-period)', 'warning'));
      heartbeatSeconds = policy.minHeartbeatSeconds;
    }
  }
  let timeoutSeconds = unsignedExtension(channelExt, TIMEOUT_URL, 'Subscription.channel.extension(backport-timeout)', fail) ?? policy.defaultTimeoutSeconds;
  if (timeoutSeconds < 1) fail('value', 'timeout must be at least 1 second', 'Subscription.channel.extension(backport-timeout)');
  if (timeoutSeconds > policy.maxTimeoutSeconds) {
    warnings.push(issue('value', `timeout lowered from ${timeoutSeconds} s to this server's maximum of ${policy.maxTimeoutSeconds} s`, 'Subscription.channel.extension(backport-timeout)', 'warning'));
    timeoutSeconds = policy.maxTimeoutSeconds;
  }
  let maxCount = unsignedExtension(channelExt, MAX_COUNT_URL, 'Subscription.channel.extension(backport-max-count)', fail) ?? 1;
  if (maxCount < 1) fail('value', 'maxCount must be a positive integer', 'Subscription.channel.extension(backport-max-count)');
  if (maxCount > policy.maxMaxCount) {
    warnings.push(issue('value', `maxCount lowered from ${maxCount} to this server's maximum of ${policy.maxMaxCount}`, 'Subscription.channel.extension(backport-max-count)', 'warning'));
    maxCount = policy.maxMaxCount;
  }
  const end = checkEnd(resource.end, policy.now, fail);
  if (issues.length > 0 || !topic || endpoint === undefined) return { ok: false, issues };

  // The normalized resource: what the server will actually do, returned to the subscriber.
  resource.status = requestedStatus === 'off' ? 'off' : resource.status ?? 'requested';
  channel.payload = payload;
  channel._payload = { ...(channel._payload ?? {}), extension: [...otherExtensions(channel._payload?.extension, [PAYLOAD_CONTENT_URL]), { url: PAYLOAD_CONTENT_URL, valueCode: content }] };
  channel.extension = [
    ...otherExtensions(channelExt, [HEARTBEAT_PERIOD_URL, TIMEOUT_URL, MAX_COUNT_URL]),
    ...(heartbeatSeconds !== null ? [{ url: HEARTBEAT_PERIOD_URL, valueUnsignedInt: heartbeatSeconds }] : []),
    { url: TIMEOUT_URL, valueUnsignedInt: timeoutSeconds },
    { url: MAX_COUNT_URL, valuePositiveInt: maxCount },
  ];
  resource.channel = channel;
  return {
    ok: true, warnings, resource,
    settings: {
      topicUrl: topic.url, filters, patientKey: patientKeyOf(filters), channelType, endpoint, headers, payload, content,
      heartbeatSeconds, timeoutSeconds, maxCount, end, requestedStatus,
    },
  };
}

type Fail = (code: string, text: string, where: string) => void;

/** R4 Subscription.status: a subscriber asks `requested` (start, restart) or `off` (stop). */
function statusOf(status: unknown, fail: Fail): SubscriptionStatusCode {
  if (status === undefined) return 'requested';
  if (status === 'requested' || status === 'off' || status === 'active' || status === 'error') return status;
  fail('value', `Unknown status "${String(status)}" (requested | active | error | off)`, 'Subscription.status');
  return 'requested';
}

function topicAndFilters(resource: Record<string, any>, policy: SubscriptionPolicy, fail: Fail): { topic: TopicDefinition | undefined; filters: SubscriptionFilter[] } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const criteria = resource.criteria;
  if (typeof criteria !== 'string' || criteria === '') {
    fail('required', 'criteria must hold the canonical URL of a SubscriptionTopic (Backport IG)', 'Subscription.criteria');
    return { topic: undefined, filters: [] };
  }
  // A canonical may carry `|version`; our topics keep their meaning across versions.
  const topic = policy.topicOf(criteria.split('|')[0]!);
  if (!topic) {
    fail('not-supported', `Unknown topic "${criteria}": see the Basic resources with code SubscriptionTopic for the topics offered`, 'Subscription.criteria');
    return { topic: undefined, filters: [] };
  }
  const extensions = (Array.isArray(resource._criteria?.extension) ? resource._criteria.extension : []) as Ext[];
  const filters: SubscriptionFilter[] = [];
  extensions.forEach((ext, i) => {
    if (ext.url !== FILTER_CRITERIA_URL) return;
    const where = `Subscription.criteria.extension[${i}]`;
    if (typeof ext.valueString !== 'string') return fail('required', 'backport-filter-criteria needs a valueString', where);
    try {
      const parsed = parseFilter(ext.valueString, where);
      compileFilters(topic, parsed, () => where);
      filters.push(...parsed);
    } catch (error) {
      const found = (error as { issues?: OperationOutcomeIssue[] }).issues;
      if (!found) throw error;
      for (const i2 of found) fail(i2.code, i2.diagnostics ?? 'invalid filter', where);
    }
  });
  return { topic, filters };
}

/**
 * The endpoint must be an absolute http(s) URL. Production: https only, never a loopback or
 * private literal address or `localhost` (ARCHITECTURE.md, Modes); names are resolved and
 * checked again above, and at every send. Sandbox: `http://` only on loopback.
 */
function checkEndpoint(endpoint: unknown, mode: SubscriptionPolicy['mode'], fail: Fail): string | undefined {
  const where = 'Subscription.channel.endpoint';
  if (typeof endpoint !== 'string' || endpoint === '') return void fail('required', 'A rest-hook channel needs an endpoint URL', where);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return void fail('value', `"${endpoint}" is not a URL`, where);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return void fail('value', `The endpoint must be an http(s) URL, not ${url.protocol}`, where);
  if (url.username || url.password) return void fail('value', 'The endpoint must not carry credentials; use channel.header', where);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
  const privateLiteral = isIP(host) !== 0 && !loopback && isPrivateLiteral(host);
  if (mode === 'production') {
    if (url.protocol !== 'https:') return void fail('value', 'Production servers deliver to https endpoints only', where);
    if (loopback || privateLiteral) return void fail('value', `${host} is a loopback or private address; the server does not deliver there`, where);
  } else {
    if (url.protocol === 'http:' && !loopback) return void fail('value', 'http:// endpoints are accepted on loopback only (sandbox); use https', where);
    if (privateLiteral) return void fail('value', `${host} is a private address; the server does not deliver there`, where);
  }
  return url.toString();
}

function isPrivateLiteral(host: string): boolean {
  const v4 = /^(\d+)\.(\d+)\./.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = host.toLowerCase();
  return v6 === '::' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff') || v6.startsWith('::ffff:');
}

/** R4 Subscription.channel.header: "Name: value", sent as given — so no line breaks (header injection). */
function checkHeaders(header: unknown, fail: Fail): string[] {
  if (header === undefined) return [];
  if (!Array.isArray(header)) {
    fail('value', 'channel.header is a list of strings', 'Subscription.channel.header');
    return [];
  }
  const headers: string[] = [];
  header.forEach((h, i) => {
    const where = `Subscription.channel.header[${i}]`;
    if (typeof h !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/.test(h)) return fail('value', 'A header is "Name: value" on one line', where);
    const name = h.slice(0, h.indexOf(':')).toLowerCase();
    if (['content-type', 'content-length', 'host', 'transfer-encoding', 'connection'].includes(name)) return fail('value', `The ${name} header is set by the server`, where);
    headers.push(h);
  });
  return headers;
}

/**
 * R4 Subscription.channel.payload: the MIME type of the notifications, optionally with
 * `fhirVersion` (R4 http.html#version-parameter); only FHIR JSON of R4 (4.0) is produced here.
 */
function checkPayload(channel: Record<string, unknown>, fail: Fail, warnings: OperationOutcomeIssue[]): string {
  const where = 'Subscription.channel.payload';
  const payload = channel.payload;
  if (payload === undefined) {
    warnings.push(issue('required', 'channel.payload was absent: notifications are sent as application/fhir+json', where, 'warning'));
    return 'application/fhir+json';
  }
  if (typeof payload !== 'string') {
    fail('value', 'channel.payload is a MIME type', where);
    return '';
  }
  const [type = '', ...params] = payload.split(';').map((p) => p.trim());
  if (type !== 'application/fhir+json' && type !== 'application/json') fail('not-supported', `Payload "${type}" is not supported; use application/fhir+json`, where);
  for (const param of params) {
    const [name, value] = param.split('=').map((p) => p.trim());
    if (name?.toLowerCase() === 'fhirversion' && value !== '4.0' && value !== '4.0.1') fail('not-supported', `fhirVersion ${String(value)} is not served here; this server speaks FHIR 4.0`, where);
  }
  return payload;
}

/** Backport IG: `backport-payload-content` on `channel.payload`; absent means id-only here. */
function checkContent(channel: Record<string, any>, fail: Fail): PayloadContent { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ext = ((channel._payload?.extension ?? []) as Ext[]).find((e) => e.url === PAYLOAD_CONTENT_URL);
  const code = ext?.valueCode;
  if (code === undefined) return 'id-only';
  if (code === 'empty' || code === 'id-only' || code === 'full-resource') return code;
  fail('value', `Payload content "${String(code)}" is not empty | id-only | full-resource`, 'Subscription.channel.payload.extension(backport-payload-content)');
  return 'id-only';
}

function unsignedExtension(extensions: Ext[], url: string, where: string, fail: Fail): number | null {
  const ext = extensions.find((e) => e.url === url);
  if (!ext) return null;
  const value = ext.valueUnsignedInt ?? ext.valuePositiveInt;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail('value', 'Expected a whole number', where);
    return null;
  }
  return value;
}

function checkEnd(end: unknown, now: number, fail: Fail): number | null {
  if (end === undefined) return null;
  const time = typeof end === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(end) ? Date.parse(end) : NaN;
  if (Number.isNaN(time)) {
    fail('value', 'end must be an instant with a time zone', 'Subscription.end');
    return null;
  }
  if (time <= now) fail('value', 'end is in the past', 'Subscription.end');
  return time;
}

function otherExtensions(extensions: unknown, urls: string[]): Ext[] {
  return (Array.isArray(extensions) ? (extensions as Ext[]) : []).filter((e) => !urls.includes(e.url ?? ''));
}
