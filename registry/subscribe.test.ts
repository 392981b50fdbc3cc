import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SubscriptionRow } from './registry-db.js';
import { SecretBox } from './secret-box.js';
import { renewedSubscription, TOPICS } from './subscribe.js';

test('a renewal asks the same subscription again, active, with a later end — built from what the registry asked, not echoed', () => {
  const box = new SecretBox(randomBytes(32));
  const row = {
    key: 'k'.repeat(22), referral_id: 'r', grant_id: 'g', patient_id: 'p1', topic: TOPICS.medications, content: 'full-resource',
    header: box.seal('X-Registry-Secret: abc', `header:${'k'.repeat(22)}`), server_id: 'sub-1', end_at: '2026-01-01T00:00:00.000Z', status: 'active',
  } as SubscriptionRow;
  const now = Date.parse('2026-01-01T00:00:00Z');
  const renewed = renewedSubscription({ box, publicUrl: 'https://registry.example', now: () => now }, row) as any;
  assert.equal(renewed.id, 'sub-1');
  assert.equal(renewed.status, 'active', 'active keeps the server\'s state; requested would restart it');
  assert.equal(renewed.end, new Date(now + 90 * 86_400_000).toISOString());
  assert.equal(renewed.criteria, TOPICS.medications);
  assert.equal(renewed._criteria.extension[0].valueString, 'patient=Patient/p1');
  assert.deepEqual(renewed.channel.header, ['X-Registry-Secret: abc']);
  assert.equal(renewed.channel.endpoint, `https://registry.example/notifications/${'k'.repeat(22)}`);
  assert.equal(renewed.channel._payload.extension[0].valueCode, 'full-resource');
});
