import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractSearchIndex } from '../search/index.js';
import type { Resource } from '../fhir-types.js';
import { builtInTopics, PATIENT_DATA_FEED_URL, PROBLEM_LIST_TOPIC } from './built-in-topics.js';
import { compileFilters, filtersMatch } from './match-filters.js';
import { parseFilter } from './parse-filter.js';
import { topicFromBasic } from './topic-from-basic.js';
import { TopicRegistry } from './topic-registry.js';
import { validateSubscription, type SubscriptionPolicy } from './validate-subscription.js';
import { FILTER_CRITERIA_URL, HEARTBEAT_PERIOD_URL, PAYLOAD_CONTENT_URL } from './subscription-settings.js';

const FIXTURES = new URL('../../../../shared/fixtures/subscriptions/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Resource;

// The fixtures subscribe to Inferno's patient-admission topic: stand it in with the encounter topic.
const admission = { ...topicFromBasic(fixture('basic-subscriptiontopic-encounter-complete.json')), url: 'http://inferno.healthit.gov/suites/custom/subscriptions_r5_backport_r4_client/topics/patient-admission' };
admission.canFilterBy = [...admission.canFilterBy, { resource: 'Encounter', filterParameter: 'patient' }];
const registry = new TopicRegistry([admission]);
const NOW = Date.parse('2020-01-01T00:00:00Z');
const policy = (mode: 'sandbox' | 'production' = 'sandbox'): SubscriptionPolicy => ({
  mode, topicOf: (url) => registry.get(url), minHeartbeatSeconds: mode === 'sandbox' ? 1 : 60, maxTimeoutSeconds: 60,
  defaultTimeoutSeconds: 10, maxMaxCount: 100, now: NOW,
});

const subscription = (over: Record<string, unknown> = {}, channel: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Subscription', status: 'requested', reason: 'test', criteria: PROBLEM_LIST_TOPIC.url,
  _criteria: { extension: [{ url: FILTER_CRITERIA_URL, valueString: 'Condition?patient=Patient/p1' }] },
  channel: { type: 'rest-hook', endpoint: 'https://registry.example.org/hook', payload: 'application/fhir+json; fhirVersion=4.0',
    _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'full-resource' }] }, ...channel },
  ...over,
});

const problems = (resource: Resource, mode: 'sandbox' | 'production' = 'sandbox') => {
  const check = validateSubscription(resource, policy(mode));
  return check.ok ? [] : check.issues.map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
};

describe('validateSubscription (Backport IG STU 1.1 backport-subscription)', () => {
  it('accepts the fixture subscriptions with their filter, timeout, maxCount and content', () => {
    for (const [name, content] of [['Subscription_empty.json', 'empty'], ['Subscription_id-only.json', 'id-only'], ['Subscription_full-resource.json', 'full-resource']] as const) {
      const resource = { ...fixture(name), end: '2099-01-01T00:00:00Z' };
      const check = validateSubscription(resource, policy('sandbox'));
      // The fixtures use an http:// endpoint on a public host: only a sandbox on loopback would take http.
      assert.equal(check.ok, false);
      const https = structuredClone(resource) as unknown as Resource & { channel: { endpoint: string } };
      https.channel.endpoint = https.channel.endpoint.replace('http:', 'https:');
      const ok = validateSubscription(https, policy('production'));
      assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.issues));
      assert.equal(ok.settings.content, content);
      assert.deepEqual(ok.settings.filters, [{ resourceType: 'Encounter', name: 'patient', value: 'Patient/123' }]);
      assert.equal(ok.settings.patientKey, '123');
      assert.equal(ok.settings.timeoutSeconds, 60);
      assert.equal(ok.settings.maxCount, 20);
      assert.deepEqual(ok.settings.headers, ['Authorization: Bearer SAMPLE_TOKEN']);
    }
  });

  it('accepts the three filter syntaxes', () => {
    for (const text of ['Condition?patient=Patient/p1', 'Condition.patient=Patient/p1', 'patient=Patient/p1']) {
      const check = validateSubscription(subscription({ _criteria: { extension: [{ url: FILTER_CRITERIA_URL, valueString: text }] } }), policy());
      assert.ok(check.ok, text);
      assert.equal(check.settings.patientKey, 'p1');
    }
  });

  it('accepts a websocket channel without an endpoint, with the same content levels (Backport IG "Websockets")', () => {
    for (const content of ['empty', 'id-only', 'full-resource']) {
      const check = validateSubscription(subscription({}, { type: 'websocket', endpoint: undefined,
        _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: content }] } }), policy('production'));
      assert.ok(check.ok, JSON.stringify(!check.ok && check.issues));
      assert.equal(check.settings.channelType, 'websocket');
      assert.equal(check.settings.endpoint, '');
      assert.equal(check.settings.content, content);
    }
  });

  it('rejects what it cannot honour, naming the element and why', () => {
    assert.match(problems(subscription({ criteria: 'http://example.org/unknown' }))[0]!, /^Subscription.criteria: Unknown topic/);
    assert.match(problems(subscription({ _criteria: { extension: [{ url: FILTER_CRITERIA_URL, valueString: 'Condition?onset-date=2020' }] } }))[0]!,
      /^Subscription.criteria.extension\[0\]: .*cannot be filtered by Condition.onset-date/);
    assert.match(problems(subscription({}, { type: 'email' }))[0]!, /^Subscription.channel.type: .*not supported/);
    assert.match(problems(subscription({}, { endpoint: 'not a url' }))[0]!, /^Subscription.channel.endpoint: .*not a URL/);
    assert.match(problems(subscription({}, { endpoint: 'http://registry.example.org/hook' }))[0]!, /^Subscription.channel.endpoint: http:\/\/ endpoints are accepted on loopback only/);
    assert.match(problems(subscription({}, { endpoint: 'http://127.0.0.1:9/hook' }), 'production')[0]!, /https endpoints only/);
    assert.match(problems(subscription({}, { endpoint: 'https://10.1.2.3/hook' }), 'production')[0]!, /private address/);
    assert.match(problems(subscription({}, { endpoint: 'https://localhost/hook' }), 'production')[0]!, /loopback or private/);
    assert.match(problems(subscription({}, { payload: 'application/fhir+xml' }))[0]!, /^Subscription.channel.payload: .*not supported/);
    assert.match(problems(subscription({}, { payload: 'application/fhir+json; fhirVersion=5.0' }))[0]!, /fhirVersion 5.0/);
    assert.match(problems(subscription({}, { _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'everything' }] } }))[0]!, /backport-payload-content/);
    assert.match(problems(subscription({}, { header: ['X-Evil: a\r\nHost: b'] }))[0]!, /^Subscription.channel.header\[0\]/);
    assert.match(problems(subscription({ end: '2019-01-01T00:00:00Z' }))[0]!, /^Subscription.end: end is in the past/);
  });

  it('sandbox takes http on loopback and 1 s heartbeats; production raises the heartbeat and says so', () => {
    const beat = (seconds: number) => ({ extension: [{ url: HEARTBEAT_PERIOD_URL, valueUnsignedInt: seconds }] });
    const sandbox = validateSubscription(subscription({}, { endpoint: 'http://127.0.0.1:8080/hook', ...beat(1) }), policy('sandbox'));
    assert.ok(sandbox.ok);
    assert.equal(sandbox.settings.heartbeatSeconds, 1);
    const production = validateSubscription(subscription({}, beat(5)), policy('production'));
    assert.ok(production.ok);
    assert.equal(production.settings.heartbeatSeconds, 60);
    assert.match(production.warnings[0]!.diagnostics!, /raised from 5 s .* 60 s/);
    const channel = (production.resource as unknown as { channel: { extension: { url: string; valueUnsignedInt?: number }[] } }).channel;
    assert.equal(channel.extension.find((e) => e.url === HEARTBEAT_PERIOD_URL)?.valueUnsignedInt, 60);
  });
});

describe('filters', () => {
  const index = (resource: Resource) => ({ id: resource.id!, lastUpdated: 0, index: extractSearchIndex(resource) });
  it('parse the three syntaxes', () => {
    assert.deepEqual(parseFilter('Condition?patient=Patient/1&code=123', 'x'), [
      { resourceType: 'Condition', name: 'patient', value: 'Patient/1' }, { resourceType: 'Condition', name: 'code', value: '123' }]);
    assert.deepEqual(parseFilter('Encounter.patient=Patient/123', 'x'), [{ resourceType: 'Encounter', name: 'patient', value: 'Patient/123' }]);
    assert.deepEqual(parseFilter('code:not=abc', 'x'), [{ resourceType: undefined, name: 'code:not', value: 'abc' }]);
  });
  it('match with search semantics against the search index', () => {
    const filters = compileFilters(PROBLEM_LIST_TOPIC, parseFilter('Condition?patient=p1&code=http://snomed.info/sct|44054006', 'x'), () => 'x');
    const diabetes = { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] } };
    assert.equal(filtersMatch(filters, 'Condition', index(diabetes)), true);
    assert.equal(filtersMatch(filters, 'Condition', index({ ...diabetes, subject: { reference: 'Patient/p2' } })), false);
    assert.equal(filtersMatch(filters, 'Condition', index({ ...diabetes, code: { coding: [{ system: 'http://snomed.info/sct', code: '1' }] } })), false);
  });
  it('on the patient data feed, patient means the compartment and _type limits the types', () => {
    const feed = builtInTopics().find((t) => t.url === PATIENT_DATA_FEED_URL)!;
    const filters = compileFilters(feed, [...parseFilter('patient=Patient/p1', 'x'), ...parseFilter('_type=Observation,Patient', 'x')], () => 'x');
    const observation = { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } };
    assert.equal(filtersMatch(filters, 'Observation', index(observation)), true);
    assert.equal(filtersMatch(filters, 'Patient', index({ resourceType: 'Patient', id: 'p1' })), true);
    assert.equal(filtersMatch(filters, 'Patient', index({ resourceType: 'Patient', id: 'p2' })), false);
    assert.equal(filtersMatch(filters, 'Observation', index({ ...observation, subject: { reference: 'Patient/p2' } })), false);
    assert.equal(filtersMatch(filters, 'Condition', index({ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p1' } })), false);
  });
});
