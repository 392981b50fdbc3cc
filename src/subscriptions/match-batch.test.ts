import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  extractSearchIndex, MEDICATION_LIST_TOPIC, PROBLEM_LIST_TOPIC, FILTER_CRITERIA_URL, PAYLOAD_CONTENT_URL, TopicRegistry, validateSubscription,
  type Resource, type ResourceChange,
} from '../model/index.js';
import type { SubscriptionRecord } from '../storage/index.js';
import { matchBatch, patientsOf, type FiringChange } from './match-batch.js';
import { SettingsCache } from './subscription-settings-cache.js';

const BASE = 'http://127.0.0.1:9/fhir';
const topics = new TopicRegistry();
const settings = new SettingsCache(topics);

/** A subscription record as the engine stores it, settings from the real validation. */
function subscription(id: string, filter: string, extra: Partial<SubscriptionRecord> = {}, topicUrl = PROBLEM_LIST_TOPIC.url, end?: string): SubscriptionRecord {
  const check = validateSubscription({
    resourceType: 'Subscription', status: 'requested', reason: 'test', criteria: topicUrl, ...(end ? { end } : {}),
    _criteria: { extension: [{ url: FILTER_CRITERIA_URL, valueString: filter }] },
    channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json',
      _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'id-only' }] } },
  }, { mode: 'sandbox', topicOf: (url) => topics.get(url), minHeartbeatSeconds: 1, maxTimeoutSeconds: 60, defaultTimeoutSeconds: 10, maxMaxCount: 100, now: 0 });
  if (!check.ok) throw new Error(JSON.stringify(check.issues));
  const patient = /patient=Patient\/(\w+)/.exec(filter)?.[1] ?? null;
  return {
    id, grantId: null, topicUrl, patientKey: patient, settings: JSON.stringify(check.settings), status: 'active', eventsSinceStart: 0,
    lastDelivered: 0, error: null, failingSince: null, failures: 0, nextAttemptAt: null, leasedUntil: null, lastSentAt: null,
    createdAt: 0, updatedAt: 0, ...extra,
  };
}

const condition = (id: string, patient: string, code = 'a') => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` }, code: { coding: [{ system: 'http://x', code }] },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
});

/** A change that fired `topicUrls`: `before` → `after` (either absent), at `at`. */
function fired(before: Resource | undefined, after: Resource | undefined, at: number, versionId: number, topicUrls = [PROBLEM_LIST_TOPIC.url]): FiringChange {
  const state = (r: Resource | undefined) => (r ? { id: r.id!, lastUpdated: at, index: extractSearchIndex(r, { localBase: BASE }), resource: r } : undefined);
  const loaded: ResourceChange = { resourceType: (after ?? before)!.resourceType, previous: state(before), current: state(after) };
  return {
    change: { resourceType: loaded.resourceType, id: (after ?? before)!.id!, versionId, deleted: !after, lastUpdated: at },
    loaded, topics: topicUrls, patients: patientsOf(loaded),
  };
}

const summary = (events: ReturnType<typeof matchBatch>) => events.map((e) => `${e.subscriptionId}:${e.focusId}/${e.focusVersion}:${e.interaction}`);

test('each change takes the candidates of its own patients and topics, in change order', () => {
  const batch = [
    fired(undefined, condition('c1', 'p1'), 10, 1),
    fired(undefined, condition('c2', 'p2'), 11, 1),
    fired(condition('c1', 'p1'), condition('c1', 'p1', 'b'), 12, 2),
    fired(condition('c2', 'p2'), undefined, 13, 2),
  ];
  const candidates = [subscription('s1', 'Condition?patient=Patient/p1'), subscription('s2', 'Condition?patient=Patient/p2'), subscription('any', 'Condition?code=http://x|a')];
  assert.deepEqual(summary(matchBatch(batch, candidates, (r) => settings.of(r))), [
    's1:c1/1:create', 'any:c1/1:create',
    's2:c2/1:create', 'any:c2/1:create',
    's1:c1/2:update', // no longer code a: `any` does not hear it
    's2:c2/2:delete', 'any:c2/2:delete', // a deletion is judged on the version it deleted
  ]);
});

test('a candidate found for another change of the batch is not taken: other topic, other patient', () => {
  const batch = [
    fired(undefined, condition('c1', 'p1'), 10, 1),
    fired(undefined, { resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' } }, 11, 1, [MEDICATION_LIST_TOPIC.url]),
  ];
  const candidates = [
    subscription('problems', 'Condition?patient=Patient/p1'),
    subscription('medications', 'MedicationRequest?patient=Patient/p1', {}, MEDICATION_LIST_TOPIC.url),
    subscription('p2', 'Condition?patient=Patient/p2'),
  ];
  assert.deepEqual(summary(matchBatch(batch, candidates, (r) => settings.of(r))), ['problems:c1/1:create', 'medications:m1/1:create']);
});

test('a subscription hears changes from its creation to its end only', () => {
  const batch = [10, 20, 30].map((at, i) => fired(undefined, condition(`c${i}`, 'p1'), at, 1));
  const late = subscription('late', 'Condition?patient=Patient/p1', { createdAt: 20 });
  const ended = subscription('ended', 'Condition?patient=Patient/p1', {}, PROBLEM_LIST_TOPIC.url, new Date(25).toISOString());
  assert.deepEqual(summary(matchBatch(batch, [late, ended], (r) => settings.of(r))), ['ended:c0/1:create', 'late:c1/1:create', 'ended:c1/1:create', 'late:c2/1:create']);
});
