import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnServer, type ServerProcess } from '../harness/cli.js';
import { createPgDatabase, testEngines } from '../harness/engines.js';
import { freePort } from '../harness/test-server.js';
import { condition, maxCount, subscription } from './engine-harness.js';
import type { Bundle } from './receiver.js';

/**
 * ARCHITECTURE.md "Scaling out": two real server processes on one PostgreSQL. Writes through
 * either are matched once (the shared cursor's compare-and-set) and delivered promptly, numbered
 * 1, 2, 3… without a duplicate number; when one process is killed mid-round, the other takes its
 * delivery lease over at once and nothing is lost.
 */
describe('two server processes on one PostgreSQL', { skip: !testEngines().includes('postgres') && 'PostgreSQL not available' }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('deliver every write of either exactly once in numbering, and survive the other\'s kill -9', async () => {
    const db = await createPgDatabase();
    cleanups.push(db.drop);
    const servers: ServerProcess[] = [];
    // One deployment: both processes behind one base URL (the issuer of the tokens either accepts).
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const server = await spawnServer(['--port', String(port), '--db', db.url, '--sample-data', 'false', '--base-url', `http://127.0.0.1:${ports[0]}`]);
      servers.push(server);
      cleanups.push(async () => { server.child.kill('SIGKILL'); await server.exited; });
    }
    const [a, b] = servers as [ServerProcess, ServerProcess];

    const arrived: { type: string; numbers: number[]; at: number }[] = [];
    let killOnNext: ServerProcess | undefined;
    const hook = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle).entry[0]!.resource!.parameter!;
        const type = status.find((p) => p.name === 'type')!.valueCode!;
        if (killOnNext && type === 'event-notification') {
          killOnNext.child.kill('SIGKILL'); // before the answer
          killOnNext = undefined;
          return;
        }
        arrived.push({ type, at: Date.now(), numbers: status.filter((p) => p.name === 'notification-event')
          .map((p) => Number(p.part!.find((q) => q.name === 'event-number')!.valueString)) });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => { hook.closeAllConnections(); await new Promise((resolve) => hook.close(resolve)); });
    const endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const numbers = () => arrived.flatMap((r) => r.numbers);
    const until = async (done: () => boolean, what: string, ms = 20_000) => {
      for (const deadline = Date.now() + ms; !done();) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(numbers())}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // One client (registered through A) owns the subscription; its token works on both processes.
    const post = async (server: ServerProcess, type: string, body: unknown) => {
      const response = await a.fetch(`${server.url}/fhir/${type}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 201, await response.clone().text());
      return { id: ((await response.json()) as { id: string }).id, at: Date.now() };
    };

    const patient = await post(a, 'Patient', { resourceType: 'Patient', name: [{ family: 'Twice' }] });
    await post(a, 'Subscription', subscription(endpoint, `Condition?patient=Patient/${patient.id}`, { extension: [maxCount(100)] }));
    await until(() => arrived.some((r) => r.type === 'handshake'), 'the handshake');

    // Concurrent writes through both processes.
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 === 0 ? a : b, 'Condition', condition('x', patient.id, 'problem-list-item'))));
    await until(() => numbers().length >= 20, '20 events');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(numbers(), Array.from({ length: 20 }, (_, i) => i + 1), 'each number once, in order');
    const lastAck = Math.max(...acks.map((x) => x.at));
    const lastArrival = Math.max(...arrived.map((r) => r.at));
    assert.ok(lastArrival - lastAck < 2000, `delivered promptly (${lastArrival - lastAck} ms after the last write)`);

    // A dies while the next notification is in flight (sent by A or B): B takes a dead holder's lease over at once.
    killOnNext = a;
    await post(b, 'Condition', condition('x', patient.id, 'problem-list-item'));
    await a.exited;
    for (let i = 0; i < 4; i++) await post(b, 'Condition', condition('x', patient.id, 'problem-list-item'));
    await until(() => new Set(numbers()).size === 25, 'events 21..25 through the survivor');
    assert.deepEqual([...new Set(numbers())].sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i + 1));
  });
});
