import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnServer, type ServerProcess } from '../harness/cli.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';
import { freePort } from '../harness/test-server.js';
import { condition, subscription } from './engine-harness.js';
import type { Bundle, Parameter } from './receiver.js';

/**
 * Issue 4: "A crash or `kill -9` at any moment loses nothing: on restart delivery continues where
 * it stopped." The real CLI server is killed with SIGKILL while a notification is in flight (the
 * endpoint holds the request), with events recorded and not yet delivered behind it; a new
 * process on the same database delivers every event — duplicates allowed (at least once),
 * numbers never reset — and takes over the dead process's delivery lease at once.
 */
for (const engine of testEngines()) {
  describe(`kill -9 mid-round loses nothing [${engine}]`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('every event arrives after a restart, numbered on from where it stopped', async () => {
      const db = await createTestDatabase(engine);
      cleanups.push(db.drop);
      const port = await freePort();
      const start = () => spawnServer(['--port', String(port), '--db', db.url, '--sample-data', 'false']);
      let server: ServerProcess = await start();
      // The first process's client: the subscription belongs to it, on every process of the database.
      const fetchAsOwner = server.fetch;
      cleanups.push(async () => { server.child.kill('SIGKILL'); await server.exited; });

      // The endpoint: answers each notification after 50 ms; once armed, the next event
      // notification kills the server while the request is still open.
      const arrived: { numbers: number[]; focus: string[]; type: string; since: number }[] = [];
      let armed = false;
      const hook = createServer((request: IncomingMessage, response: ServerResponse) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle;
          const status = bundle.entry[0]!.resource!.parameter!;
          const type = status.find((p) => p.name === 'type')!.valueCode!;
          if (armed && type === 'event-notification') {
            armed = false;
            server.child.kill('SIGKILL'); // never answered: the server dies mid-round
            return;
          }
          arrived.push({
            type, since: Number(status.find((p) => p.name === 'events-since-subscription-start')!.valueString),
            numbers: status.filter((p) => p.name === 'notification-event').map((p) => Number(part(p, 'event-number'))),
            focus: status.filter((p) => p.name === 'notification-event').map((p) => part(p, 'focus')),
          });
          setTimeout(() => response.writeHead(200).end(), 50);
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => { hook.closeAllConnections(); await new Promise((resolve) => hook.close(resolve)); });
      const endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const until = async (done: () => boolean, what: string, ms = 30_000) => {
        for (const deadline = Date.now() + ms; !done();) {
          if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(arrived.map((a) => [a.type, a.numbers]))}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      const post = async (type: string, body: unknown) => {
        const response = await fetchAsOwner(`${server.url}/fhir/${type}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
        assert.equal(response.status, 201, await response.clone().text());
        return (await response.json()) as { id: string };
      };

      const patient = await post('Patient', { resourceType: 'Patient', name: [{ family: 'Crash' }] });
      const created = await post('Subscription', subscription(endpoint, `Condition?patient=Patient/${patient.id}`));
      await until(() => arrived.some((a) => a.type === 'handshake'), 'the handshake');
      const written: string[] = [];
      for (let i = 0; i < 20; i++) written.push((await post('Condition', condition('x', patient.id, 'problem-list-item'))).id);
      await until(() => arrived.some((a) => a.numbers.includes(3)), 'event 3');
      armed = true;
      const code = await server.exited;
      assert.equal(server.child.signalCode, 'SIGKILL', `killed mid-round (exit ${code})`);
      const before = new Set(arrived.flatMap((a) => a.numbers));
      assert.ok(before.size < 20, `the kill left events undelivered (${before.size} delivered)`);

      server = await start();
      await until(() => new Set(arrived.flatMap((a) => a.numbers)).size === 20, 'all 20 events after the restart');
      written.push((await post('Condition', condition('x', patient.id, 'problem-list-item'))).id);
      await until(() => arrived.some((a) => a.numbers.includes(21)), 'event 21, numbered on');

      const numbers = arrived.flatMap((a) => a.numbers);
      assert.deepEqual([...new Set(numbers)].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i + 1), 'every number 1..21, none lost, no reset');
      const focusOf = new Map<number, string>();
      for (const a of arrived) a.numbers.forEach((n, i) => {
        const focus = a.focus[i]!.replace(/\/_history\/\d+$/, '');
        assert.equal(focusOf.get(n) ?? focus, focus, `a repeated event ${n} is the same event`);
        focusOf.set(n, focus);
      });
      assert.deepEqual(new Set([...focusOf.values()].map((f) => f.split('/').pop())), new Set(written), 'every written Condition arrived');
      const status = await (await fetchAsOwner(`${server.url}/fhir/Subscription/${created.id}/$status`)).json() as { entry: { resource: { parameter: Parameter[] } }[] };
      assert.equal(status.entry[0]!.resource.parameter.find((p) => p.name === 'events-since-subscription-start')?.valueString, '21');
      assert.equal(status.entry[0]!.resource.parameter.find((p) => p.name === 'status')?.valueCode, 'active');
    });
  });
}

function part(parameter: Parameter, name: string): string {
  const found = parameter.part?.find((p) => p.name === name) as (Parameter & { valueReference?: { reference: string } }) | undefined;
  return found?.valueString ?? found?.valueReference?.reference ?? '';
}
