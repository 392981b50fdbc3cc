import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchRequest } from '../../model/index.js';
import { chooseDriver } from './choose-driver.js';
import { compileFilter } from './compile-filter.js';

const clauses = (type: string, query: string) => parseSearchRequest(type, [...new URLSearchParams(query)]).clauses;
const driverOf = (type: string, query: string) => {
  const list = clauses(type, query);
  const i = chooseDriver(list);
  return i === undefined ? undefined : list[i]!.chain || list[i]!.has ? `${list[i]!.param.code}(chain)` : list[i]!.param.code;
};

test('the most selective kind of clause drives: a reference, then a code, then text, chains, ranges', () => {
  assert.equal(driverOf('Observation', 'date=ge2020&code=8867-4&patient=p1'), 'patient');
  assert.equal(driverOf('Observation', 'date=ge2020&category=vital-signs&code=8867-4'), 'category');
  assert.equal(driverOf('Observation', 'date=ge2020&code:text=heart'), 'code');
  assert.equal(driverOf('Observation', 'date=ge2020&patient.name=smith'), 'patient(chain)');
  assert.equal(driverOf('Observation', 'date=ge2020'), 'date');
  assert.equal(driverOf('Patient', 'name=smi&identifier=urn:mrn|1'), 'identifier');
});

test('nothing drives when _id is there, or when no clause can', () => {
  assert.equal(driverOf('Patient', '_id=p1&name=smith'), undefined);
  assert.equal(driverOf('Patient', 'gender:not=male&name:missing=true&_lastUpdated=gt2020'), undefined);
  assert.equal(driverOf('Patient', '_id:not=p1&name=smith'), 'name');
});

test('a driven filter leaves out the type test; the other clauses are (rid, param) probes', () => {
  const driven = compileFilter(clauses('Condition', 'patient=p1&category=problem-list-item'), 'Condition', 'r').text;
  assert.match(driven, /r\.rid IN \(SELECT rid FROM sp_reference WHERE resource_type = \? AND param = \?/);
  assert.match(driven, /EXISTS \(SELECT 1 FROM sp_token x WHERE x\.rid = r\.rid AND x\.param = \?/);
  assert.doesNotMatch(driven, /r\.resource_type/);
  const undriven = compileFilter(clauses('Condition', 'category:not=problem-list-item'), 'Condition', 'r').text;
  assert.match(undriven, /r\.resource_type = \?/);
  assert.match(undriven, /NOT EXISTS/);
  const compartment = compileFilter(clauses('Condition', 'category=problem-list-item'), 'Condition', 'r', { id: 'p1' }).text;
  assert.doesNotMatch(compartment, /r\.resource_type/);
  assert.match(compartment, /EXISTS \(SELECT 1 FROM sp_token/);
});
