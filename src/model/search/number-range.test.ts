import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberRange } from './number-range.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

test('the implicit range follows the significant figures written (R4 search number)', () => {
  const cases: [string, number, number, number][] = [
    ['100', 100, 99.5, 100.5], ['100.00', 100, 99.995, 100.005], ['1e2', 100, 50, 150], ['1.0e2', 100, 95, 105],
    ['-5.4', -5.4, -5.45, -5.35], ['0.8', 0.8, 0.75, 0.85], ['+3', 3, 2.5, 3.5], ['2.5E-3', 0.0025, 0.00245, 0.00255],
  ];
  for (const [text, value, low, high] of cases) {
    const r = numberRange(text)!;
    close(r.value, value);
    close(r.low, low);
    close(r.high, high);
  }
});

test('non-numbers give undefined', () => {
  for (const bad of ['', 'abc', '1.', '.5', '1,5', '1e', '0x10', 'NaN', 'Infinity', '1 ', '1e400']) assert.equal(numberRange(bad), undefined, bad);
});
