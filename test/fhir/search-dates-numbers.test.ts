import { before, test } from 'node:test';
import type { Resource } from '../../src/model/index.js';
import { assertSameIds, expectRefused, putAll, searchIds } from '../harness/fhir-search.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * R4 search §3.1.1.4 date, number and quantity with every prefix (search.html#prefix). Dates
 * carry their precision: a value is the interval it denotes, on both sides of the comparison.
 * Numbers and quantities carry the precision of the search value for eq/ne/ap only.
 */
const UCUM = 'http://unitsofmeasure.org';
const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const patient = (id: string, birthDate: string): Resource => ({ resourceType: 'Patient', id, birthDate, name: [{ family: id }] });
const encounter = (id: string, period: Record<string, string>): Resource => ({
  resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, period,
});
const observation = (id: string, valueQuantity: Record<string, unknown>): Resource => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, valueQuantity,
});
const risk = (id: string, prediction: Record<string, unknown>): Resource => ({ resourceType: 'RiskAssessment', id, status: 'final', subject: { reference: 'Patient/d-1970-05-05' }, prediction: [prediction] });

function data(now: number): Resource[] {
  return [
    patient('d-1969-12-31', '1969-12-31'),
    patient('d-1970', '1970'),
    patient('d-1970-05-05', '1970-05-05'),
    patient('d-1970-12-31', '1970-12-31'),
    patient('d-1971-01-01', '1971-01-01'),
    encounter('e-closed', { start: '2025-03-01T09:00:00Z', end: '2025-03-01T09:30:00Z' }),
    encounter('e-open', { start: '2025-06-01T08:00:00Z' }),
    encounter('e-2024', { start: '2024-01-01', end: '2024-12-31' }),
    { resourceType: 'Basic', id: 'b-100-days', code: { text: 'recent note' }, created: isoDay(now - 100 * DAY) },
    { resourceType: 'Basic', id: 'b-300-days', code: { text: 'older note' }, created: isoDay(now - 300 * DAY) },
    { resourceType: 'Consent', id: 'consent-2025', status: 'active', dateTime: '2025-02-01T10:00:00Z', scope: { text: 'privacy' },
      category: [{ text: 'opt-in' }], policyRule: { text: 'local' }, provision: { period: { start: '2025-02-01', end: '2026-01-31' } } },
    observation('o-5.5-mg', { value: 5.5, unit: 'mg', system: UCUM, code: 'mg' }),
    observation('o-5.4-mg', { value: 5.4, unit: 'mg', system: UCUM, code: 'mg' }),
    observation('o-5.5-mgdl', { value: 5.5, unit: 'mg/dL', system: UCUM, code: 'mg/dL' }),
    observation('o-6-milligram', { value: 6, unit: 'milligram', system: UCUM, code: 'mg' }),
    observation('o-lt3-mg', { value: 3, comparator: '<', unit: 'mg', system: UCUM, code: 'mg' }),
    risk('ra-0.82', { probabilityDecimal: 0.82 }),
    risk('ra-0.5', { probabilityDecimal: 0.5 }),
    // R4 ras-1: a probability Range is in percent.
    risk('ra-range', { probabilityRange: { low: { value: 20, unit: '%', system: UCUM, code: '%' }, high: { value: 40, unit: '%', system: UCUM, code: '%' } } }),
  ];
}

describeEachEngine('search: dates, numbers and quantities', (server) => {
  const ids = (path: string) => searchIds(server().fhirBase, path);
  before(async () => putAll(server().fhirBase, data(Date.now())));

  test('a date matches at the precision of both the search value and the stored value', async () => {
    assertSameIds(await ids('Patient?birthdate=1970'), ['d-1970', 'd-1970-05-05', 'd-1970-12-31']);
    assertSameIds(await ids('Patient?birthdate=1970-05'), ['d-1970-05-05']);
    assertSameIds(await ids('Patient?birthdate=1970-05-05'), ['d-1970-05-05']);
    assertSameIds(await ids('Patient?birthdate=eq1970-05-05T00:00:00Z'), []);
  });

  test('every prefix on dates of different precisions', async () => {
    const q = (value: string) => ids(`Patient?birthdate=${value}`);
    assertSameIds(await q('ne1970'), ['d-1969-12-31', 'd-1971-01-01']);
    assertSameIds(await q('gt1970'), ['d-1971-01-01']);
    assertSameIds(await q('lt1970'), ['d-1969-12-31']);
    assertSameIds(await q('ge1970'), ['d-1970', 'd-1970-05-05', 'd-1970-12-31', 'd-1971-01-01']);
    assertSameIds(await q('le1970'), ['d-1969-12-31', 'd-1970', 'd-1970-05-05', 'd-1970-12-31']);
    assertSameIds(await q('sa1970'), ['d-1971-01-01']);
    assertSameIds(await q('eb1970'), ['d-1969-12-31']);
    // The year 1970 reaches past May 1970: it overlaps the range above the value.
    assertSameIds(await q('gt1970-05'), ['d-1970', 'd-1970-12-31', 'd-1971-01-01']);
    assertSameIds(await q('lt1970-05'), ['d-1969-12-31', 'd-1970']);
    assertSameIds(await q('sa1970-05'), ['d-1970-12-31', 'd-1971-01-01']);
    // ge: above the value or within it — the year 1970 is neither (it starts before 1970-12-31).
    assertSameIds(await q('ge1970-12-31&birthdate=le1971-01-01'), ['d-1970-12-31', 'd-1971-01-01']);
  });

  test('Periods: start to end, an ongoing one open-ended', async () => {
    const q = (value: string) => ids(`Encounter?date=${value}`);
    assertSameIds(await q('2025-03-01'), ['e-closed']);
    assertSameIds(await q('2024'), ['e-2024']);
    assertSameIds(await q('2025'), ['e-closed']);
    assertSameIds(await q('ge2025-06-01'), ['e-open']);
    assertSameIds(await q('gt2030'), ['e-open']);
    assertSameIds(await q('lt2025'), ['e-2024']);
    assertSameIds(await q('le2024-06-01'), ['e-2024']);
    assertSameIds(await q('sa2024-12-31'), ['e-closed', 'e-open']);
    assertSameIds(await q('eb2025-01-01'), ['e-2024']);
    assertSameIds(await q('ne2024'), ['e-closed', 'e-open']);
    // eq needs the Period inside the value; a Period spanning a day starts before and ends after it.
    assertSameIds(await ids('Consent?period=2025-07-04'), []);
    assertSameIds(await ids('Consent?period=le2025-07-04&period=ge2025-07-04&date=2025-02'), ['consent-2025']);
    assertSameIds(await ids('Consent?period=2025-02-01T00:00:00Z'), []);
  });

  test('ap on a date allows 10% of the gap between now and the date', async () => {
    const now = Date.now();
    // 100 days ago ± 10 days: the note of 100 days ago, not the one of 300.
    assertSameIds(await ids(`Basic?created=ap${isoDay(now - 95 * DAY)}`), ['b-100-days']);
    assertSameIds(await ids(`Basic?created=ap${isoDay(now - 280 * DAY)}`), ['b-300-days']);
    assertSameIds(await ids(`Basic?created=ap${isoDay(now - 200 * DAY)}`), []);
    assertSameIds(await ids(`Basic?created=ge${isoDay(now - 150 * DAY)}`), ['b-100-days']);
  });

  test('number: eq/ne use the precision of the value; gt/lt/ge/le/sa/eb compare exactly', async () => {
    const q = (value: string) => ids(`RiskAssessment?probability=${value}`);
    assertSameIds(await q('0.8'), ['ra-0.82']);
    assertSameIds(await q('0.82'), ['ra-0.82']);
    assertSameIds(await q('0.820'), ['ra-0.82']);
    assertSameIds(await q('0.81'), []);
    assertSameIds(await q('gt0.8'), ['ra-0.82', 'ra-range']);
    assertSameIds(await q('gt0.82'), ['ra-range']);
    assertSameIds(await q('ge0.82'), ['ra-0.82', 'ra-range']);
    assertSameIds(await q('lt0.5'), []);
    assertSameIds(await q('le0.5'), ['ra-0.5']);
    assertSameIds(await q('ne0.5'), ['ra-0.82', 'ra-range']);
    assertSameIds(await q('sa0.45'), ['ra-0.5', 'ra-0.82', 'ra-range']);
    assertSameIds(await q('eb0.45'), []);
    assertSameIds(await q('ap0.8'), ['ra-0.82']);
  });

  test('number: a Range is the interval from low to high', async () => {
    const q = (value: string) => ids(`RiskAssessment?probability=${value}`);
    assertSameIds(await q('lt25'), ['ra-0.5', 'ra-0.82', 'ra-range']);
    assertSameIds(await q('gt39'), ['ra-range']);
    assertSameIds(await q('30'), []);
    assertSameIds(await q('sa20'), []);
    assertSameIds(await q('eb41'), ['ra-0.5', 'ra-0.82', 'ra-range']);
    assertSameIds(await q('ap30'), ['ra-range']);
  });

  test('quantity: value with system and code, with the code or unit alone, every prefix', async () => {
    const q = (value: string) => ids(`Observation?value-quantity=${encodeURIComponent(value)}`);
    assertSameIds(await q(`gt5.4|${UCUM}|mg`), ['o-5.5-mg', 'o-6-milligram']);
    assertSameIds(await q(`5.4|${UCUM}|mg`), ['o-5.4-mg']);
    assertSameIds(await q('5.4||mg'), ['o-5.4-mg']);
    assertSameIds(await q('5.5||mg/dL'), ['o-5.5-mgdl']);
    assertSameIds(await q('6||milligram'), ['o-6-milligram']);
    assertSameIds(await q('5.5'), ['o-5.5-mg', 'o-5.5-mgdl']);
    assertSameIds(await q('lt4||mg'), ['o-lt3-mg']);
    assertSameIds(await q('le5.4||mg'), ['o-5.4-mg', 'o-lt3-mg']);
    assertSameIds(await q('ge5.5||mg'), ['o-5.5-mg', 'o-6-milligram']);
    assertSameIds(await q('ap5.5||mg'), ['o-5.4-mg', 'o-5.5-mg', 'o-6-milligram']);
    assertSameIds(await q('ne5.5||mg'), ['o-5.4-mg', 'o-6-milligram', 'o-lt3-mg']);
    assertSameIds(await q(`gt5.4|http://other.example/units|mg`), []);
  });

  test('malformed dates, numbers and quantities are refused naming the parameter', async () => {
    const base = server().fhirBase;
    await expectRefused(base, 'Patient?birthdate=1970-13-01', 'birthdate');
    await expectRefused(base, 'Patient?birthdate=xx1970', 'birthdate');
    await expectRefused(base, 'Patient?birthdate=yesterday', 'birthdate');
    await expectRefused(base, 'Encounter?date=2025-02-30', 'date');
    await expectRefused(base, 'RiskAssessment?probability=high', 'probability');
    await expectRefused(base, 'RiskAssessment?probability=gt', 'probability');
    await expectRefused(base, `Observation?value-quantity=${encodeURIComponent('5.4|mg')}`, 'value-quantity');
    await expectRefused(base, 'Patient?_lastUpdated=soon', '_lastUpdated');
  });
});
