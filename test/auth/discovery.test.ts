import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { http } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';

/** SMART and OpenID Connect discovery, the JWKS, CORS; signing keys that survive a restart. */
describe('discovery and keys', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  it('smart-configuration is JSON whatever the Accept, with absolute URLs, CORS for any origin and the required fields', async () => {
    for (const accept of ['application/json', 'text/html', '*/*', 'application/fhir+json']) {
      const response = await fetch(`${server.fhirBase}/.well-known/smart-configuration`, { headers: { accept, origin: 'https://any.example' } });
      assert.equal(response.status, 200, accept);
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      const config = await response.json() as Record<string, unknown>;
      for (const field of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'registration_endpoint', 'management_endpoint']) {
        assert.match(String(config[field]), /^http:\/\/localhost:\d+\//, field);
      }
      assert.deepEqual(config.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(config.token_endpoint_auth_signing_alg_values_supported, ['RS384', 'ES384']);
      for (const capability of ['launch-ehr', 'launch-standalone', 'authorize-post', 'client-public', 'client-confidential-symmetric',
        'client-confidential-asymmetric', 'sso-openid-connect', 'context-banner', 'context-style', 'context-ehr-patient', 'context-ehr-encounter',
        'context-standalone-patient', 'context-standalone-encounter', 'permission-offline', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2']) {
        assert.ok((config.capabilities as string[]).includes(capability), capability);
      }
    }
  });

  it('OpenID configuration sits at {issuer}/.well-known/openid-configuration and its JWKS verifies our tokens', async () => {
    const smart = (await http('GET', `${server.fhirBase}/.well-known/smart-configuration`)).body;
    const oidc = (await http('GET', `${smart.issuer}/.well-known/openid-configuration`)).body;
    assert.equal(oidc.issuer, smart.issuer);
    const jwks = (await http('GET', oidc.jwks_uri)).body;
    assert.ok(jwks.keys.length >= 1);
    assert.ok(jwks.keys.every((k: Record<string, unknown>) => k.d === undefined && k.p === undefined), 'no private parts');
    const token = await server.tokens.get();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: smart.issuer, audience: server.fhirBase });
    assert.equal(payload.client_id, server.tokens.clientId);
  });

  it('CORS on the token and FHIR endpoints only for registered origins', async () => {
    const origin = new URL(server.fhirBase).origin;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await http('POST', `${origin}/auth/register`, { client_name: 'Browser app', redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' }, { 'content-type': 'application/json' });
    const preflight = async (from: string, path: string) => fetch(`${origin}${path}`, {
      method: 'OPTIONS', headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    const allowed = await preflight('https://app.example', '/auth/token');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
    const fhir = await preflight('https://app.example', '/fhir/Patient');
    assert.equal(fhir.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(fhir.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.equal(fhir.status, 204);
    assert.match(fhir.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.equal(fhir.headers.get('access-control-max-age'), '600');
    const stranger = await preflight('https://evil.example', '/fhir/Patient');
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    assert.equal(stranger.status, 404);
    // Not a path browser apps call cross-origin: no CORS even for a registered origin.
    assert.equal((await preflight('https://app.example', '/auth/register')).headers.get('access-control-allow-origin'), null);
    // The actual request: the origin allowed, the headers an app reads exposed; caches told the answer varies by Origin.
    const read = await fetch(`${server.fhirBase}/metadata`, { headers: { origin: 'https://app.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(read.headers.get('access-control-expose-headers') ?? '', /location/);
    assert.match(read.headers.get('vary') ?? '', /Origin/i);
    const server2server = await fetch(`${server.fhirBase}/metadata`);
    assert.equal(server2server.headers.get('access-control-allow-origin'), null);
    assert.match(server2server.headers.get('vary') ?? '', /Origin/i);
    assert.equal((await fetch(`${server.fhirBase}/metadata`, { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin'), null);
  });

  it('signing keys persist across a restart: tokens issued before still verify', async () => {
    const again = await startTestServer('sqlite');
    try {
      const before = (await http('GET', `${new URL(again.fhirBase).origin}/auth/jwks`)).body.keys.map((k: { kid: string }) => k.kid);
      const restarted = await again.server.close().then(async () => {
        const { startServer } = await import('../../src/http/index.js');
        return startServer(again.server.services.config);
      });
      try {
        const after = (await freshGetJson(`${new URL(again.fhirBase).origin}/auth/jwks`) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        assert.deepEqual(after, before);
      } finally {
        await restarted.close();
      }
    } finally {
      await again.close().catch(() => undefined);
    }
  });
});

/** A GET on a new connection: fetch's pool would reuse a keep-alive socket of the server we just closed. */
function freshGetJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}
