import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTracker } from './index.js';

test('in order: contiguous, no gaps; redelivery is a duplicate', () => {
  const tracker = new EventTracker();
  assert.deepEqual(tracker.classify([1, 2]), { fresh: [1, 2], duplicates: [] });
  tracker.accept([1, 2]);
  assert.deepEqual(tracker.state(), { lastContiguous: 2, seen: [] });
  assert.deepEqual(tracker.classify([2, 3, 3]), { fresh: [3], duplicates: [2, 3] });
  assert.deepEqual(tracker.gaps(3), [3]);
});

test('out of order: the hole is a gap until it arrives; the state survives JSON', () => {
  const tracker = new EventTracker();
  tracker.accept([1, 4, 5]);
  assert.deepEqual(tracker.state(), { lastContiguous: 1, seen: [4, 5] });
  assert.deepEqual(tracker.gaps(6), [2, 3, 6]);
  const restored = new EventTracker(JSON.parse(JSON.stringify(tracker.state())));
  assert.deepEqual(restored.classify([3, 4]), { fresh: [3], duplicates: [4] });
  restored.accept([2, 3]);
  assert.deepEqual(restored.state(), { lastContiguous: 5, seen: [] });
});

test('a hole older than the window is given up on: the state stays bounded', () => {
  const tracker = new EventTracker(undefined, 3);
  tracker.accept([1, 3, 4, 5, 6]);
  assert.deepEqual(tracker.state(), { lastContiguous: 6, seen: [] });
  tracker.accept([10]);
  assert.deepEqual(tracker.state(), { lastContiguous: 7, seen: [10] });
});
