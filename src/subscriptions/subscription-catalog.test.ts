import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SubscriptionRecord } from '../storage/index.js';
import { SubscriptionCatalog } from './subscription-catalog.js';

function subscription(id: string, topicUrl: string, patientKey: string | null, status: SubscriptionRecord['status'] = 'active'): SubscriptionRecord {
  return {
    id, grantId: null, topicUrl, patientKey, settings: '{}', status, eventsSinceStart: 0, lastDelivered: 0, error: null, failingSince: null,
    failures: 0, nextAttemptAt: null, leasedUntil: null, lastSentAt: null, createdAt: 0, updatedAt: 0,
  };
}

const ids = (records: SubscriptionRecord[]) => records.map((r) => r.id).sort();

test('candidates: the topic\'s subscriptions for any patient and for the given patients, once each, never an off one', () => {
  const catalog = SubscriptionCatalog.of('7', [
    subscription('any', 'problems', null), subscription('p1', 'problems', 'P1'), subscription('p1-again', 'problems', 'P1'),
    subscription('p2', 'problems', 'P2'), subscription('off', 'problems', 'P1', 'off'), subscription('meds-p1', 'meds', 'P1'),
    subscription('errored', 'meds', null, 'error'),
  ]);
  assert.equal(catalog.version, '7');
  assert.deepEqual(ids(catalog.candidates(['problems'], ['P1'])), ['any', 'p1', 'p1-again']);
  assert.deepEqual(ids(catalog.candidates(['problems'], [])), ['any']);
  assert.deepEqual(ids(catalog.candidates(['problems', 'meds', 'problems'], ['P1', 'P2', 'P1'])), ['any', 'errored', 'meds-p1', 'p1', 'p1-again', 'p2']);
  assert.deepEqual(catalog.candidates(['unknown'], ['P1']), []);
});

test('listens: a topic with a subscription that is not off', () => {
  const catalog = SubscriptionCatalog.of('1', [subscription('a', 'problems', 'P1'), subscription('b', 'feed', null, 'off')]);
  assert.ok(catalog.listens('problems'));
  assert.ok(!catalog.listens('feed'), 'only an off subscription');
  assert.deepEqual(catalog.topicUrls(), ['problems']);
});

test('10,000 subscriptions for other patients: a lookup touches only its own', () => {
  const others = Array.from({ length: 10_000 }, (_, i) => subscription(`o${i}`, 'problems', `other-${i}`));
  const catalog = SubscriptionCatalog.of('1', [...others, subscription('mine', 'problems', 'me')]);
  assert.deepEqual(ids(catalog.candidates(['problems'], ['me'])), ['mine']);
});
