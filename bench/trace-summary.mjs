// Summarizes what bench/trace-statements.mjs recorded: per kind of statement or request, how many
// and how long (p50, p90, total ms). Usage: node bench/trace-summary.mjs <TRACE_DIR> [rows]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, rows = '30'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/trace-summary.mjs <TRACE_DIR> [rows]');
  process.exit(1);
}
const events = readdirSync(dir).filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));
const groups = new Map();
for (const e of events) {
  if (e.end === undefined) continue;
  const key = e.kind === 'sql' ? `sql ${e.sql.slice(0, 70)}` : e.kind === 'in' ? `in  ${e.method} ${e.url.split('?')[0].split('/').slice(0, 3).join('/')}` : 'out (notification)';
  const durations = groups.get(key) ?? [];
  durations.push(e.end - e.start);
  groups.set(key, durations);
}
const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
console.log('count    p50 ms   p90 ms   total ms  what');
for (const [key, durations] of [...groups].sort((a, b) => b[1].length - a[1].length).slice(0, Number(rows))) {
  durations.sort((a, b) => a - b);
  const total = durations.reduce((sum, d) => sum + d, 0);
  console.log(`${String(durations.length).padStart(5)} ${at(durations, 0.5).toFixed(2).padStart(8)} ${at(durations, 0.9).toFixed(2).padStart(8)} ${total.toFixed(0).padStart(10)}  ${key}`);
}
