import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  NotificationReceiver, newHeaderSecret, notificationHandler, serverKeys, verifyDetachedJws, type AcceptedNotification,
} from '../../recipient/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';
import { condition, subscription } from './engine-harness.js';

/**
 * Issue 4: every rest-hook body carries a detached JWS (X-Signature) made with the keys published
 * at `jwks_uri`; the recipient library (recipient/), which we ship for others, verifies real
 * deliveries of the real server with the key set it fetches itself, and refuses a tampered body.
 */
for (const engine of testEngines()) {
  describe(`signed rest-hook notifications [${engine}]`, () => {
    let server: TestServer;
    let hook: Server;
    let endpoint = '';
    const secret = newHeaderSecret();
    const accepted: AcceptedNotification[] = [];
    const raw: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    const refused: number[] = [];

    before(async () => {
      server = await startTestServer(engine);
      const jwksUri = (await (await fetch(`${server.fhirBase}/.well-known/smart-configuration`)).json() as { jwks_uri: string }).jwks_uri;
      const receiver = new NotificationReceiver({
        lookup: async () => ({ header: secret, fhirBase: server.fhirBase, signature: { header: 'X-Signature', keys: serverKeys(jwksUri), required: true } }),
        loadState: async () => undefined,
        accept: async (notification) => { accepted.push(notification); },
      });
      const handle = notificationHandler(receiver, { keyOf: () => 'only' });
      hook = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => raw.push({ headers: request.headers, body: Buffer.concat(chunks) }));
        const original = response.writeHead.bind(response);
        response.writeHead = ((status: number, ...rest: unknown[]) => {
          if (status !== 200) refused.push(status);
          return (original as (...args: unknown[]) => typeof response)(status, ...rest);
        }) as typeof response.writeHead;
        void handle(request, response);
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    });
    after(async () => {
      hook.closeAllConnections();
      await new Promise((resolve) => hook.close(resolve));
      await server.close();
    });

    it('the recipient library verifies the handshake and an event notification against jwks_uri, and refuses a tampered body', async () => {
      const patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Signed'))).body.id as string;
      const created = await http('POST', `${server.fhirBase}/Subscription`, subscription(endpoint, `Condition?patient=Patient/${patientId}`, { header: [secret] }));
      assert.equal(created.status, 201, created.text);
      await until(() => accepted.some((a) => a.notification.type === 'handshake'));
      await http('POST', `${server.fhirBase}/Condition`, condition('x', patientId, 'problem-list-item'));
      await until(() => accepted.some((a) => a.events.some((e) => e.eventNumber === 1)));
      assert.deepEqual(refused, [], 'every signed delivery was accepted');

      const delivered = raw.find((r) => r.body.includes('"event-notification"'))!;
      const signature = delivered.headers['x-signature'] as string;
      assert.match(signature, /^[\w-]+\.\.[\w-]+$/, 'RFC 7515 Appendix F: header..signature');
      const header = JSON.parse(Buffer.from(signature.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const jwks = (await (await fetch(`${server.url}/auth/jwks`)).json()) as { keys: { kid: string }[] };
      assert.equal(header.alg, 'ES256', 'notifications are signed with the ES256 key (tokens keep RS256)');
      assert.ok(jwks.keys.some((k) => k.kid === header.kid), 'signed with a key published at jwks_uri');

      const keys = serverKeys(`${server.url}/auth/jwks`);
      await verifyDetachedJws(signature, delivered.body, keys);
      const tampered = Buffer.from(delivered.body.toString('utf8').replace('"event-notification"', '"heartbeat"'));
      await assert.rejects(verifyDetachedJws(signature, tampered, keys));
      const replayed = await fetch(endpoint, { method: 'POST', headers: { ...stringHeaders(delivered.headers) }, body: tampered.toString('utf8') });
      assert.equal(replayed.status, 401, 'the endpoint refuses the tampered body');
      const unsigned = await fetch(endpoint, { method: 'POST', headers: { ...stringHeaders(delivered.headers), 'x-signature': '' }, body: delivered.body.toString('utf8') });
      assert.equal(unsigned.status, 401, 'and a notification without a valid signature');
    });
  });
}

function stringHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const keep = ['content-type', 'authorization', 'x-signature', 'x-subscription-secret'];
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => keep.includes(name) && typeof value === 'string')) as Record<string, string>;
}

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
