/**
 * `npm run bench`: throughput, p50/p99 latency, server CPU and peak memory for the core FHIR
 * interactions on SQLite and PostgreSQL, at concurrency 1 and 10, against floors measured in the
 * same run (a bare Node HTTP server; a raw insert into the same engine). Prints a table and
 * rewrites the results section of BENCHMARKS.md. The machine is shared and noisy: read ratios.
 *
 * The subscription section (bench/subscriptions-bench.ts) measures write-to-notification latency at
 * a loopback receiver, and what subscriptions cost writes; it has its own table.
 *
 * The revocation section (bench/revocation-bench.ts) measures how long a revocation takes to take
 * effect: the next request refused (in the revoking process and, on PostgreSQL, in another one),
 * the subscription off, and that no notification follows.
 *
 * Options (env): BENCH_SECONDS (default 5), BENCH_ENGINES (sqlite,postgres), HANDOVER_TEST_PG,
 * BENCH_ONLY (core | subscriptions | revocation; default all), BENCH_REVOCATION_ROUNDS (default 10),
 * BENCH_SCENARIOS (core rows whose name contains one of these comma-separated words, e.g. `read,search`),
 * BENCH_SUBSCRIPTION_ROWS (subscription rows to run, comma-separated: steady, burst, fanout, others),
 * BENCH_CPU_PROF (a directory: the server writes a V8 CPU profile there when it stops).
 */
import autocannon from 'autocannon';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { backendTokenSource, type TokenSource } from '../test/harness/backend-token.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { condition, patient, transactionBundle } from './fixtures.js';
import { processStats } from './process-stats.js';
import { postgresInsertFloor, sqliteInsertFloor } from './raw-insert-floor.js';
import { benchRevocation, revocationTable, type RevocationRow } from './revocation-bench.js';
import { benchSubscriptions, SUBSCRIPTION_ROW_NAMES, subscriptionTable, type SubscriptionRow, type SubscriptionRowName } from './subscriptions-bench.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PG_ADMIN = process.env.HANDOVER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,sqlite-full,postgres').split(',');
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && !['core', 'subscriptions', 'revocation'].includes(ONLY)) throw new Error(`BENCH_ONLY must be core, subscriptions or revocation, not ${ONLY}`);
const CORE = ONLY === undefined || ONLY === 'core';
const SUBSCRIPTIONS = ONLY === undefined || ONLY === 'subscriptions';
const REVOCATION = ONLY === undefined || ONLY === 'revocation';
const REVOCATION_ROUNDS = Number(process.env.BENCH_REVOCATION_ROUNDS ?? 10);
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',').filter(Boolean);
const SCENARIO_NAMES = ['create Patient', 'create Condition', 'read Patient', 'search Condition?patient&category', 'transaction (50 entries)'];
const unmatched = SCENARIOS?.filter((word) => !SCENARIO_NAMES.some((name) => name.includes(word))) ?? [];
if (unmatched.length > 0) throw new Error(`BENCH_SCENARIOS: no core row is named with ${unmatched.join(', ')} (rows: ${SCENARIO_NAMES.join('; ')})`);
const SUBSCRIPTION_ROWS = process.env.BENCH_SUBSCRIPTION_ROWS?.split(',').filter(Boolean);
const unknownRows = SUBSCRIPTION_ROWS?.filter((name) => !(SUBSCRIPTION_ROW_NAMES as readonly string[]).includes(name)) ?? [];
if (unknownRows.length > 0) throw new Error(`BENCH_SUBSCRIPTION_ROWS: no subscription row is called ${unknownRows.join(', ')} (rows: ${SUBSCRIPTION_ROW_NAMES.join(', ')})`);
const CPU_PROF = process.env.BENCH_CPU_PROF;

interface Row {
  engine: string;
  scenario: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  peakMb: number;
  errors: number;
  floor: number;
  ratio: number;
}

const rows: Row[] = [];
/** Lines the servers logged (warn and above) during the run. */
let serverWarnings = 0;
const subscriptionRows: SubscriptionRow[] = [];
const revocationRows: RevocationRow[] = [];
const floors: Record<string, number> = {};
const log = (line: string) => process.stdout.write(`${line}\n`);

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function load(url: string, connections: number, options: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const result = await autocannon({
    url, connections, duration: SECONDS, method: options.method ?? 'GET',
    headers: { 'content-type': 'application/fhir+json', ...(options.headers ?? {}) },
    ...(options.body ? { body: options.body } : {}),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function measureFloors(): Promise<void> {
  log('• floor: bare Node HTTP server');
  const port = 18080;
  const child = fork(new URL('./bare-http-floor.mjs', import.meta.url), [], { env: { ...process.env, PORT: String(port), FLOOR_BODY: JSON.stringify(patient) } });
  await new Promise((resolve) => child.once('message', resolve));
  for (const connections of [1, 10]) {
    floors[`get-${connections}`] = (await load(`http://127.0.0.1:${port}/fhir/Patient/x`, connections)).rps;
    floors[`post-${connections}`] = (await load(`http://127.0.0.1:${port}/fhir/Patient`, connections, { method: 'POST', body: JSON.stringify(patient) })).rps;
  }
  child.kill();
  log(`  GET ${floors['get-10']!.toFixed(0)}/s, POST ${floors['post-10']!.toFixed(0)}/s at concurrency 10`);
}

async function startServer(db: string, synchronous: string, port: number): Promise<ChildProcess> {
  const entry = existsSync('dist/src/cli/main.js') ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  const profile = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, ...entry, 'serve', '--port', String(port), '--db', db, '--log-level', 'warn',
    '--sample-data', 'false', '--sqlite-synchronous', synchronous], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The server logs JSON lines at warn and above (--log-level warn): shown, so that a failure in the
  // background (it once failed every disclosure materialization unseen) cannot hide behind the figures.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    serverWarnings++;
    log(`  server: ${line.slice(0, 400)}`);
  });
  await waitFor(`http://127.0.0.1:${port}/readyz`);
  return child;
}

/** The bench runs with a bearer token, as a real deployment would (a backend service's). */
let tokens: TokenSource | undefined;
const authorization = async (): Promise<Record<string, string>> => (tokens ? { authorization: `Bearer ${await tokens.get()}` } : {});

async function post(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...(await authorization()) }, body: JSON.stringify(body) });
  return response.json();
}

async function benchEngine(engine: string): Promise<void> {
  const synchronous = engine === 'sqlite-full' ? 'full' : 'normal';
  if (CORE) {
    const reachable = await withServer(engine, synchronous, async (db, base, server, dir) => {
      const storageFloor = engine.startsWith('sqlite')
        ? sqliteInsertFloor(join(dir!, 'floor.db'), JSON.stringify(patient), synchronous, Math.min(SECONDS, 3))
        : await postgresInsertFloor(db, JSON.stringify(patient), 10, Math.min(SECONDS, 3));
      await benchCore(engine, storageFloor, base, server);
    });
    if (!reachable) return;
  }
  if (SUBSCRIPTIONS && engine !== 'sqlite-full') {
    // A database of their own, on a settled machine: the core rows leave ~500 MB of writes the
    // kernel is still flushing, which stalled commits by tens of ms for a while after them — an
    // artifact of running benchmarks back to back, not of notification delivery. Their files are
    // gone with their database (dirty pages of deleted files are dropped); `sync` flushes the rest.
    if (CORE) execFileSync('sync');
    await withServer(engine, synchronous, async (_db, base) => {
      log(`• ${engine}: subscriptions (write → notification at a loopback receiver; a fresh database)`);
      subscriptionRows.push(...await benchSubscriptions({ engine, base, authorization, log, seconds: SECONDS,
        ...(SUBSCRIPTION_ROWS ? { rows: SUBSCRIPTION_ROWS as SubscriptionRowName[] } : {}) }));
    });
  }
}

/**
 * A fresh database of the engine and a server on it, for `work`; both gone afterwards. False when
 * PostgreSQL is unreachable (the engine is skipped). `dir` is the SQLite database's directory.
 */
async function withServer(engine: string, synchronous: string,
  work: (db: string, base: string, server: ChildProcess, dir: string | undefined) => Promise<void>): Promise<boolean> {
  const port = 18081;
  let db: string;
  let dir: string | undefined;
  let cleanup: () => Promise<void>;
  if (engine.startsWith('sqlite')) {
    const made = mkdtempSync(join(tmpdir(), 'handover-bench-'));
    dir = made;
    db = `sqlite:${join(made, 'bench.db')}`;
    cleanup = async () => rmSync(made, { recursive: true, force: true });
  } else {
    const name = `handover_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    try {
      await admin.connect();
    } catch {
      log(`• ${engine}: skipped — ${PG_ADMIN} is unreachable`);
      return false;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN);
    url.pathname = `/${name}`;
    db = url.toString();
    cleanup = async () => {
      const dropper = new pg.Client({ connectionString: PG_ADMIN });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    };
  }
  const started = await startServer(db, synchronous, port);
  try {
    tokens = await backendTokenSource(`http://127.0.0.1:${port}`);
    await work(db, `http://127.0.0.1:${port}/fhir`, started, dir);
  } finally {
    started.kill('SIGTERM');
    await new Promise((resolve) => started.once('exit', resolve));
    await cleanup();
  }
  return true;
}

async function benchCore(engine: string, storageFloor: number, base: string, server: ChildProcess): Promise<void> {
  floors[`insert-${engine}`] = storageFloor;
  log(`• ${engine}: raw insert floor ${storageFloor.toFixed(0)}/s`);
  // A realistic index: 300 patients with 10 conditions each (half on the problem list); the
  // searched patient is one of them, and creates go to another patient.
  let subject = '';
  for (let p = 0; p < 300; p++) {
    const entry: unknown[] = [{ fullUrl: 'urn:uuid:6b1c1b4e-0000-4000-8000-000000000001', resource: patient, request: { method: 'POST', url: 'Patient' } }];
    for (let i = 0; i < 10; i++) {
      entry.push({ resource: { ...condition('x', i % 2 === 0 ? 'problem-list-item' : 'encounter-diagnosis'), subject: { reference: 'urn:uuid:6b1c1b4e-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Condition' } });
    }
    const response = await post(base, { resourceType: 'Bundle', type: 'transaction', entry });
    if (p === 150) subject = String(response.entry[0].resource.id);
  }
  const createSubject = (await post(`${base}/Patient`, patient)).id as string;

  const scenarios: { name: string; floorKey: string; url: string; method?: string; body?: string; engines?: string[] }[] = [
    { name: 'create Patient', floorKey: 'post', url: `${base}/Patient`, method: 'POST', body: JSON.stringify(patient) },
    { name: 'create Condition', floorKey: 'post', url: `${base}/Condition`, method: 'POST', body: JSON.stringify(condition(createSubject)) },
    { name: 'read Patient', floorKey: 'get', url: `${base}/Patient/${subject}` },
    { name: 'search Condition?patient&category', floorKey: 'get', url: `${base}/Condition?patient=${subject}&category=problem-list-item&_count=10` },
    { name: 'transaction (50 entries)', floorKey: 'post', url: base, method: 'POST', body: JSON.stringify(transactionBundle()) },
  ];
  if (scenarios.some((scenario) => !SCENARIO_NAMES.includes(scenario.name))) throw new Error('bench: SCENARIO_NAMES must list every core row');
  for (const scenario of scenarios) {
    if (engine === 'sqlite-full' && !scenario.name.startsWith('create')) continue;
    if (SCENARIOS && !SCENARIOS.some((word) => scenario.name.includes(word))) continue;
    for (const connections of [1, 10]) {
      const before = processStats(server.pid!);
      const result = await load(scenario.url, connections, { method: scenario.method ?? 'GET', ...(scenario.body ? { body: scenario.body } : {}), headers: await authorization() });
      const after = processStats(server.pid!);
      const floor = floors[`${scenario.floorKey}-${connections}`]!;
      const row: Row = {
        engine, scenario: scenario.name, connections, rps: result.rps, p50: result.p50, p99: result.p99,
        cpu: (after.cpuSeconds - before.cpuSeconds) / SECONDS * 100, peakMb: after.peakRssMb, errors: result.errors,
        floor, ratio: result.rps / floor,
      };
      rows.push(row);
      log(`  ${scenario.name.padEnd(36)} c=${String(connections).padEnd(3)} ${row.rps.toFixed(0).padStart(6)}/s  p50 ${row.p50} ms  p99 ${row.p99} ms  ratio ${row.ratio.toFixed(3)}${row.errors ? `  errors ${row.errors}` : ''}`);
    }
  }
}

function table(): string {
  const header = '| engine | scenario | conc. | req/s | p50 ms | p99 ms | server CPU % | peak RSS MB | floor req/s | ratio | errors |\n|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => `| ${r.engine} | ${r.scenario} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpu.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.floor.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.errors} |`);
  const floorLines = Object.entries(floors).map(([k, v]) => `- ${k}: ${v.toFixed(0)}/s`);
  const creates = rows.filter((r) => r.scenario === 'create Patient' && r.connections === 10);
  const storageRatios = creates.map((r) => `- ${r.engine}: create Patient at c=10 is ${(r.rps / floors[`insert-${r.engine}`]!).toFixed(3)} × the raw insert floor`);
  return `${header}\n${lines.join('\n')}\n\nFloors measured in the same run (bare HTTP: \`get-N\`/\`post-N\` at concurrency N; raw insert of the same JSON, one row per transaction):\n${floorLines.join('\n')}\n\nStorage ratios:\n${storageRatios.join('\n')}\n`;
}

async function main(): Promise<void> {
  log(`Handover benchmark: ${SECONDS} s per scenario, ${cpus().length} cores, Node ${process.version}${ONLY ? `, only ${ONLY}` : ''}`);
  if (CORE) await measureFloors();
  for (const engine of ENGINES) {
    if (CORE || SUBSCRIPTIONS) await benchEngine(engine);
    if (REVOCATION && (engine === 'sqlite' || engine === 'postgres')) {
      log(`• ${engine}: revocation (revoke → refused, subscription off, nothing sent), ${REVOCATION_ROUNDS} rounds`);
      try {
        revocationRows.push(...await benchRevocation({ engine, rounds: REVOCATION_ROUNDS, log }));
      } catch (error) {
        log(`• ${engine}: revocation skipped — ${(error as Error).message}`);
      }
    }
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}`;
  const file = 'BENCHMARKS.md';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const put = (marker: string, body: string) => {
    const section = `<!-- ${marker}:start -->\n${body}<!-- ${marker}:end -->`;
    text = text.includes(`<!-- ${marker}:start -->`) ? text.replace(new RegExp(`<!-- ${marker}:start -->[\\s\\S]*<!-- ${marker}:end -->`), section) : `${text}\n${section}\n`;
  };
  if (CORE) {
    const results = table();
    log(`\n${results}`);
    put('results', `${stamp}, load generator (autocannon) on the same machine, ${SECONDS} s per row. Command: \`npm run bench\`.\n\n${results}`);
  }
  if (SUBSCRIPTIONS) {
    const results = subscriptionTable(subscriptionRows);
    log(`\n${results}`);
    put('subscriptions', `${stamp}, writers in the bench process, the receiver in its own, the steady rate for ${SECONDS} s. `
      + `Command: \`BENCH_ONLY=subscriptions BENCH_ENGINES=${ENGINES.filter((e) => e !== 'sqlite-full').join(',')} npm run bench\`.\n\n${results}`);
  }
  if (REVOCATION) {
    const results = revocationTable(revocationRows);
    log(`\n${results}`);
    put('revocation', `${stamp}, ${REVOCATION_ROUNDS} rounds per engine, each a fresh patient grant with a live rest-hook subscription; `
      + `times from sending the RFC 7009 revocation. Command: \`BENCH_ONLY=revocation npm run bench\`.\n\n${results}`);
  }
  writeFileSync(file, text);
  log(`results written to ${file}`);
  log(serverWarnings === 0 ? 'the servers logged no warning or error' : `the servers logged ${serverWarnings} warnings or errors (shown above): read them before the figures`);
}

await main();
