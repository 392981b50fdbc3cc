import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderOptionsTable } from '../../src/config/index.js';

test('the README configuration table matches the options table (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = /<!-- options:start -->\n([\s\S]*)\n<!-- options:end -->/.exec(readme)?.[1];
  assert.equal(table, renderOptionsTable());
});

test('the README gives the two commands and .ci/run runs the test command', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes('npm install && npm start'));
  assert.ok(readme.includes('npm install && npm test'));
  const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
  assert.match(ci, /npm test/);
});
