import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegistryOptions } from './registry-options.js';

test('the upkeep defaults: a check every 5 minutes, renewal a week before end', () => {
  const options = parseRegistryOptions([], {});
  assert.equal(options.checkEveryMs, 300_000);
  assert.equal(options.renewBeforeMs, 7 * 86_400_000);
});

test('flags win over HANDOVER_REGISTRY_* variables; bad values are refused with the flag named', () => {
  const options = parseRegistryOptions(['--check-every', '2', '--renew-before', '60'], { HANDOVER_REGISTRY_CHECK_EVERY: '9', HANDOVER_REGISTRY_RENEW_BEFORE: '9' });
  assert.deepEqual([options.checkEveryMs, options.renewBeforeMs], [2000, 60_000]);
  assert.equal(parseRegistryOptions([], { HANDOVER_REGISTRY_RENEW_BEFORE: '3600' }).renewBeforeMs, 3_600_000);
  assert.throws(() => parseRegistryOptions(['--check-every', '0'], {}), /--check-every must be a number of seconds, at least 0.1/);
  assert.throws(() => parseRegistryOptions(['--renew-before', 'soon'], {}), /--renew-before/);
});
