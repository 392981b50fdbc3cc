// Ad-hoc: profile the server under create load (not committed).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendTokenSource } from '../test/harness/backend-token.js';
import { patient } from './fixtures.js';
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const port = 18999;
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', 'dist/src/cli/main.js', 'serve', '--port', String(port), '--db', `sqlite:${join(dir, 'p.db')}`, '--log-level', 'warn', '--sample-data', 'false'], { stdio: ['ignore', 'ignore', 'inherit'] });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break; } catch { /* not yet */ } await new Promise((r) => setTimeout(r, 100)); }
const tokens = await backendTokenSource(`http://127.0.0.1:${port}`);
const token = await tokens.get();
const result = await autocannon({ url: `http://127.0.0.1:${port}/fhir/Patient`, method: 'POST', connections: 10, duration: 20, headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` }, body: JSON.stringify(patient) });
console.log(result.requests.average, result.latency.p99);
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
