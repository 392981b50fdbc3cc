import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundClient, OutboundRefused, type OutboundPolicy } from '../../src/base/index.js';

/**
 * Every request to an address someone else chose (subscription endpoints, JWKS URLs): against a
 * real HTTP server on loopback. The address is judged where the connection is made, so a name is
 * refused by what it resolves to at connect time, not only when a subscription was checked.
 */
describe('outbound requests', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  const client = new OutboundClient();
  const outboundFetch = (url: string, policy: OutboundPolicy, init?: Parameters<OutboundClient['fetch']>[2]) => client.fetch(url, policy, init);
  const sandbox: OutboundPolicy = { allowLoopback: true, httpsOnly: false, timeoutMs: 2000, maxBytes: 1024 };
  const production: OutboundPolicy = { allowLoopback: false, httpsOnly: true, timeoutMs: 2000, maxBytes: 1024 };

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        if (request.url === '/slow') return; // never answers
        if (request.url === '/redirect') return response.writeHead(302, { location: 'http://10.0.0.1/' }).end();
        if (request.url === '/big-declared') return response.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
        if (request.url === '/big-chunked') {
          response.writeHead(200);
          for (let i = 0; i < 10; i++) response.write('y'.repeat(500));
          return response.end();
        }
        response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'x-echo': request.headers['x-test'] ?? '' });
        response.end(`${request.method} ${Buffer.concat(chunks).toString()}`);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => {
    client.close();
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  const refused = async (promise: Promise<unknown>, message: RegExp) => {
    await assert.rejects(promise, (error: Error) => error instanceof OutboundRefused && message.test(error.message));
  };

  it('sends the method, headers and body and returns the status, headers and text, over a kept-alive connection', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const response = await outboundFetch(`http://127.0.0.1:${port}/echo`, sandbox, { method: 'POST', headers: { 'x-test': `t${i}` }, body: `body ${i}` });
      assert.equal(response.status, 200);
      assert.equal(response.text, `POST body ${i}`);
      assert.equal(response.header('X-Echo'), `t${i}`);
      assert.equal(response.header('cache-control'), 'max-age=60');
    }
    assert.equal(connections - before, 1, 'one connection for three requests');
  });

  it('refuses a name that resolves to loopback when loopback is not allowed, without connecting', async () => {
    const before = connections;
    await refused(outboundFetch(`https://localhost:${port}/echo`, production), /localhost is a loopback address/);
    await refused(outboundFetch(`http://localhost:${port}/echo`, { ...sandbox, allowLoopback: false }), /loopback address/);
    assert.equal(connections, before, 'no connection was made');
    // Allowed in sandbox: the same name connects.
    assert.equal((await outboundFetch(`http://localhost:${port}/echo`, sandbox)).status, 200);
  });

  it('refuses private, link-local and loopback literals, URLs with credentials and plain http in production', async () => {
    await refused(outboundFetch('http://10.1.2.3/', sandbox), /private address/);
    await refused(outboundFetch('http://169.254.169.254/latest/meta-data', sandbox), /link-local address/);
    await refused(outboundFetch(`http://[::1]:${port}/`, { ...sandbox, allowLoopback: false }), /loopback address/);
    await refused(outboundFetch(`http://user:pw@127.0.0.1:${port}/`, sandbox), /credentials/);
    await refused(outboundFetch('http://example.org/', production), /only https/);
    await refused(outboundFetch('file:///etc/passwd', sandbox), /file: URLs are not fetched/);
  });

  it('follows no redirect, cuts a response over the size limit, declared or not, and gives up after the time-out', async () => {
    const redirect = await outboundFetch(`http://127.0.0.1:${port}/redirect`, sandbox);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.header('location'), 'http://10.0.0.1/');
    await refused(outboundFetch(`http://127.0.0.1:${port}/big-declared`, sandbox), /larger than 1024 bytes/);
    await refused(outboundFetch(`http://127.0.0.1:${port}/big-chunked`, sandbox), /larger than 1024 bytes/);
    const started = performance.now();
    await refused(outboundFetch(`http://127.0.0.1:${port}/slow`, { ...sandbox, timeoutMs: 150 }), /no answer from 127\.0\.0\.1:\d+ within 150 ms/);
    assert.ok(performance.now() - started < 1500);
    // The connection that timed out is not reused: the next request still works.
    assert.equal((await outboundFetch(`http://127.0.0.1:${port}/echo`, sandbox)).status, 200);
  });
});
