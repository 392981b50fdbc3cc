import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fhirDateRange, OPEN_HIGH_DATE, OPEN_LOW_DATE } from './fhir-date-range.js';

const ms = (iso: string) => Date.parse(iso);
const range = (low: string, high: string) => ({ low: ms(low), high: ms(high) });

test('each precision denotes its whole interval, high exclusive', () => {
  assert.deepEqual(fhirDateRange('1970'), range('1970-01-01T00:00:00Z', '1971-01-01T00:00:00Z'));
  assert.deepEqual(fhirDateRange('1970-12'), range('1970-12-01T00:00:00Z', '1971-01-01T00:00:00Z'));
  assert.deepEqual(fhirDateRange('2024-02-29'), range('2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z'));
  assert.deepEqual(fhirDateRange('2024-02-29T10:30'), range('2024-02-29T10:30:00Z', '2024-02-29T10:31:00Z'));
  assert.deepEqual(fhirDateRange('2024-02-29T10:30:15Z'), range('2024-02-29T10:30:15Z', '2024-02-29T10:30:16Z'));
  assert.deepEqual(fhirDateRange('2024-02-29T10:30:15.5Z'), range('2024-02-29T10:30:15.500Z', '2024-02-29T10:30:15.600Z'));
  assert.deepEqual(fhirDateRange('2024-02-29T10:30:15.123Z'), range('2024-02-29T10:30:15.123Z', '2024-02-29T10:30:15.124Z'));
  assert.deepEqual(fhirDateRange('2024-02-29T10:30:15.123456Z'), range('2024-02-29T10:30:15.123Z', '2024-02-29T10:30:15.124Z'));
});

test('a timezone offset moves the interval to UTC; no timezone means UTC', () => {
  assert.deepEqual(fhirDateRange('2016-03-28T09:30:00+01:00'), range('2016-03-28T08:30:00Z', '2016-03-28T08:30:01Z'));
  assert.deepEqual(fhirDateRange('2016-03-28T09:30:00-05:30'), range('2016-03-28T15:00:00Z', '2016-03-28T15:00:01Z'));
  assert.deepEqual(fhirDateRange('2016-03-28T09:30:00'), fhirDateRange('2016-03-28T09:30:00Z'));
  assert.deepEqual(fhirDateRange('2016-03-28T09:30+14:00'), range('2016-03-27T19:30:00Z', '2016-03-27T19:31:00Z'));
});

test('years below 100 are not shifted into the 1900s', () => {
  const r = fhirDateRange('0050')!;
  assert.equal(new Date(r.low).getUTCFullYear(), 50);
  assert.equal(new Date(r.high).getUTCFullYear(), 51);
  assert.equal(new Date(fhirDateRange('0099-12-31')!.high).toISOString(), '0100-01-01T00:00:00.000Z');
});

test('invalid strings give undefined', () => {
  for (const bad of ['', '197', '19700', '1970-13', '1970-00', '1970-1', '2023-02-29', '1970-04-31', '1970-01-01T', '1970-01-01T25:00',
    '1970-01-01T10:60', '1970-01-01T10:00:61', '1970-01-01T10:00:00+15:00', '1970-01-01T10:00:00+01', '1970-01-01 10:00', 'gt1970',
    '0000', 'today', '1970-01-01T10:00:00.Z', '2020-01-01Z']) {
    assert.equal(fhirDateRange(bad), undefined, bad);
  }
});

test('a leap second is accepted and the open sentinels bound every real date', () => {
  assert.ok(fhirDateRange('2016-12-31T23:59:60Z'));
  const extremes = [fhirDateRange('0001')!, fhirDateRange('9999-12-31T23:59:59.999Z')!];
  for (const r of extremes) assert.ok(r.low > OPEN_LOW_DATE && r.high < OPEN_HIGH_DATE);
});
