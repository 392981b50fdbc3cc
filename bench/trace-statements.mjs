// A preload that records, in the server process, every PostgreSQL statement, every incoming HTTP
// request and every outgoing HTTP request (a notification) with its start and end time; written as
// JSON lines to $TRACE_DIR/trace-<pid>.jsonl when the process exits. What found session 11's
// PostgreSQL stalls (BENCHMARKS.md). Use with the bench, which passes its environment to the server:
//
//   TRACE_DIR=/tmp/trace NODE_OPTIONS="--import ./bench/trace-statements.mjs" \
//     BENCH_ONLY=subscriptions BENCH_ENGINES=postgres BENCH_SUBSCRIPTION_ROWS=steady npm run bench
//   node bench/trace-summary.mjs /tmp/trace
//
// Only a process started with `serve` records; the others (the bench, the receiver) run untouched.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.argv.includes('serve')) {
  const require = createRequire(join(process.cwd(), 'package.json'));
  const events = [];
  const now = () => Number(process.hrtime.bigint()) / 1e6;

  // pg: the pool passes a callback; a client in a transaction returns a promise.
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    const text = typeof config === 'string' ? config : config?.text ?? '';
    const event = { kind: 'sql', start: now(), sql: text.replace(/\s+/g, ' ').slice(0, 120) };
    events.push(event);
    const end = () => { event.end = now(); };
    const wrap = (f) => function (...args) { end(); return f.apply(this, args); };
    if (typeof values === 'function') values = wrap(values);
    else if (typeof callback === 'function') callback = wrap(callback);
    else if (config && typeof config.callback === 'function') config.callback = wrap(config.callback);
    const result = query.call(this, config, values, callback);
    if (result && typeof result.then === 'function') result.then(end, end);
    return result;
  };

  const http = require('node:http');
  const request = http.request;
  http.request = function (...args) {
    const event = { kind: 'out', start: now() };
    events.push(event);
    const sent = request.apply(this, args);
    sent.on('response', () => { event.end = now(); });
    return sent;
  };
  syncBuiltinESMExports();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (name, incoming, response) {
    if (name === 'request') {
      const event = { kind: 'in', start: now(), method: incoming.method, url: incoming.url.slice(0, 60) };
      events.push(event);
      response.on('finish', () => { event.end = now(); });
    }
    return emit.apply(this, arguments);
  };

  const dump = () => writeFileSync(join(process.env.TRACE_DIR ?? '.', `trace-${process.pid}.jsonl`), events.map((e) => JSON.stringify(e)).join('\n'));
  process.on('exit', dump);
}
