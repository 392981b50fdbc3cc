import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatementNames } from './prepared-statements.js';

test('a text is named at its second sighting, and keeps its name', () => {
  const names = new StatementNames(10);
  assert.equal(names.nameOf('SELECT $1'), undefined, 'a text seen once goes unnamed');
  const name = names.nameOf('SELECT $1');
  assert.ok(name !== undefined);
  assert.equal(names.nameOf('SELECT $1'), name);
  assert.equal(names.size, 1);
});

test('every text gets its own name', () => {
  const names = new StatementNames(10);
  for (const text of ['A $1', 'B $1', 'A $1', 'B $1']) names.nameOf(text);
  const a = names.nameOf('A $1');
  const b = names.nameOf('B $1');
  assert.ok(a !== undefined && b !== undefined);
  assert.notEqual(a, b);
});

test('no more names than the limit; texts named before keep theirs', () => {
  const names = new StatementNames(2);
  const named = ['A', 'B', 'C'].map((text) => [names.nameOf(text), names.nameOf(text)][1]);
  assert.ok(named[0] !== undefined && named[1] !== undefined);
  assert.equal(named[2], undefined, 'the third text goes unnamed');
  assert.equal(names.nameOf('A'), named[0]);
  assert.equal(names.size, 2);
});

test('a limit of 0 names nothing', () => {
  const names = new StatementNames(0);
  for (let i = 0; i < 5; i++) assert.equal(names.nameOf('SELECT $1'), undefined);
});

test('a forgotten text is sent unnamed, and later named afresh — never under its old name', () => {
  const names = new StatementNames(10);
  names.nameOf('T');
  const old = names.nameOf('T');
  names.forget('T');
  assert.equal(names.nameOf('T'), undefined);
  const fresh = names.nameOf('T');
  assert.ok(fresh !== undefined);
  assert.notEqual(fresh, old);
});
