#!/usr/bin/env node
// Runs every test file with Node's own test runner (through tsx for TypeScript), once: the
// suites themselves repeat on each storage engine. PostgreSQL is probed first; the suites run on
// it whenever it is reachable, and the end of the output says plainly when they did not.
// HANDOVER_TEST_PG_REQUIRED=1 (set by .ci/run) turns an unreachable PostgreSQL into a failure.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const pgUrl = process.env.HANDOVER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const required = process.env.HANDOVER_TEST_PG_REQUIRED === '1';

async function probePostgres() {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function findTests(dir, into = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    if (statSync(path).isDirectory()) findTests(path, into);
    else if (name.endsWith('.test.ts')) into.push(path);
  }
  return into;
}

const pgError = await probePostgres();
if (pgError && required) {
  console.error(`PostgreSQL is required (HANDOVER_TEST_PG_REQUIRED=1) but ${pgUrl} is unreachable: ${pgError}`);
  process.exit(1);
}
const only = process.argv.slice(2);
const files = only.length > 0 ? only : ['src', 'test', 'registry', 'recipient'].flatMap((dir) => {
  try {
    return findTests(dir);
  } catch {
    return [];
  }
}).sort();
console.log(`Running ${files.length} test files on SQLite${pgError ? '' : ' and PostgreSQL'}…`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, HANDOVER_TEST_PG_STATUS: pgError ? 'skipped' : 'available' },
});
if (pgError) {
  console.log(`\nNOTE: the PostgreSQL suites were SKIPPED — ${pgUrl} is unreachable (${pgError}).`);
  console.log('Set HANDOVER_TEST_PG to a reachable server (user with CREATE DATABASE) to run them.');
} else {
  console.log(`\nThe suites ran on SQLite and on PostgreSQL (${pgUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')}).`);
}
process.exit(result.status ?? 1);
