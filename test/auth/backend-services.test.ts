import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { http } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/** SMART Backend Services: client_credentials with private_key_jwt, and every way an assertion can be wrong. */
for (const engine of testEngines()) {
  describe(`backend services [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    let tokenUrl: string;
    let keys: Awaited<ReturnType<typeof generateKeyPair>>;
    let clientId: string;
    let jwksServer: Server;
    let jwksUrl: string;
    let jwksFetches = 0;
    let jwksCacheControl = 'max-age=60';
    let jwksBody = '';

    const register = async (metadata: Record<string, unknown>) =>
      http('POST', `${origin}/auth/register`, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', scope: 'system/Patient.rs', ...metadata }, { 'content-type': 'application/json' });

    before(async () => {
      server = await startTestServer(engine);
      origin = new URL(server.fhirBase).origin;
      tokenUrl = `${origin}/auth/token`;
      keys = await generateKeyPair('ES384', { extractable: true });
      const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES384' };
      clientId = (await register({ jwks: { keys: [jwk] } })).body.client_id;
      jwksBody = JSON.stringify({ keys: [jwk] });
      jwksServer = createServer((_req, res) => {
        jwksFetches++;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': jwksCacheControl }).end(jwksBody);
      });
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
    });
    after(async () => {
      jwksServer.close();
      await server.close();
    });

    const assertion = (claims: { iss?: string; sub?: string; aud?: string; exp?: number; jti?: string }, header: Record<string, unknown> = {}, key: CryptoKey = keys.privateKey) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT', ...header })
        .setIssuer(claims.iss ?? clientId).setSubject(claims.sub ?? clientId).setAudience(claims.aud ?? tokenUrl)
        .setJti(claims.jti ?? randomUUID()).setIssuedAt(now).setExpirationTime(claims.exp ?? now + 240)
        .sign(key);
    };
    const tokenRequest = async (clientAssertion: string, scope = 'system/Patient.rs') => {
      const response = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({
        grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion,
      }) });
      return { status: response.status, body: await response.json() as Record<string, unknown>, headers: response.headers };
    };

    it('issues a five-minute token with no refresh token, and no-store headers', async () => {
      const result = await tokenRequest(await assertion({}));
      assert.equal(result.status, 200);
      assert.ok(Number(result.body.expires_in) <= 300);
      assert.equal(result.body.refresh_token, undefined);
      assert.equal(result.body.scope, 'system/Patient.rs');
      assert.equal(result.headers.get('cache-control'), 'no-store');
      assert.equal(result.headers.get('pragma'), 'no-cache');
    });

    it('works with oauth4webapi (aud = token URL)', async () => {
      const issuer = new URL(server.fhirBase);
      const options = { [oauth.allowInsecureRequests]: true };
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }));
      const auth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'k1' }, { [oauth.modifyAssertion]: (_h, payload) => { payload.aud = as.token_endpoint; } });
      const tokens = await oauth.processClientCredentialsResponse(as, { client_id: clientId },
        await oauth.clientCredentialsGrantRequest(as, { client_id: clientId }, auth, new URLSearchParams({ scope: 'system/Patient.rs' }), options));
      assert.equal(tokens.scope, 'system/Patient.rs');
    });

    it('refuses every malformed assertion with 401 invalid_client', async () => {
      const other = await generateKeyPair('ES384', { extractable: true });
      const now = Math.floor(Date.now() / 1000);
      const usedJti = randomUUID();
      assert.equal((await tokenRequest(await assertion({ jti: usedJti }))).status, 200);
      const cases: [string, string][] = [
        ['replayed jti', await assertion({ jti: usedJti })],
        ['wrong aud', await assertion({ aud: `${origin}/elsewhere` })],
        ['expired', await assertion({ exp: now - 120 })],
        ['exp too far ahead', await assertion({ exp: now + 3600 })],
        ['iss differs from sub', await assertion({ sub: 'someone-else' })],
        ['unknown client', await assertion({ iss: 'nobody', sub: 'nobody' })],
        ['unknown kid', await assertion({}, { kid: 'k9' })],
        ['wrong key', await assertion({}, {}, other.privateKey)],
        ['jku not registered', await assertion({}, { jku: 'https://attacker.example/jwks' })],
        ['not a JWT', 'abc.def'],
      ];
      for (const [name, bad] of cases) {
        const result = await tokenRequest(bad);
        assert.equal(result.status, 401, name);
        assert.equal(result.body.error, 'invalid_client', name);
      }
      const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(clientId).setSubject(clientId).setAudience(tokenUrl)
        .setJti(randomUUID()).setExpirationTime('2m').sign(new TextEncoder().encode('x'.repeat(32)));
      assert.equal((await tokenRequest(hs)).body.error, 'invalid_client', 'HS256 refused');
    });

    it('scopes are cut to the pre-authorization; asking only for what is not allowed is invalid_scope', async () => {
      assert.equal((await tokenRequest(await assertion({}), 'system/Patient.rs system/Observation.rs')).body.scope, 'system/Patient.rs');
      assert.equal((await tokenRequest(await assertion({}), 'system/Observation.rs')).body.error, 'invalid_scope');
      assert.equal((await tokenRequest(await assertion({}), 'patient/Patient.rs')).body.error, 'invalid_scope');
    });

    it('refuses other grant types and client authentication methods for the grant', async () => {
      const response = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: 'system/Patient.rs' }) });
      assert.equal(response.status, 401);
      const unknown = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({
        grant_type: 'password', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion({}),
      }) });
      assert.equal((await unknown.json() as { error: string }).error, 'unsupported_grant_type');
      const repeated = await fetch(tokenUrl, { method: 'POST', body: 'grant_type=client_credentials&grant_type=client_credentials' , headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal((await repeated.json() as { error: string }).error, 'invalid_request');
      const json = await fetch(tokenUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
      assert.equal(json.status, 400);
      const huge = await fetch(tokenUrl, { method: 'POST', body: `grant_type=${'x'.repeat(200_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(huge.status, 413);
      assert.equal((await huge.json() as { error: string }).error, 'invalid_request');
    });

    it('fetches a JWKS URL (loopback allowed in sandbox), honouring Cache-Control', async () => {
      const viaUrl = (await register({ jwks_uri: jwksUrl })).body.client_id as string;
      const forUrlClient = (jti?: string) => assertion({ iss: viaUrl, sub: viaUrl, ...(jti ? { jti } : {}) });
      jwksFetches = 0;
      jwksCacheControl = 'max-age=60';
      assert.equal((await tokenRequest(await forUrlClient())).status, 200);
      assert.equal((await tokenRequest(await forUrlClient())).status, 200);
      assert.equal(jwksFetches, 1, 'cached for max-age');
      const noStore = (await register({ jwks_uri: `${jwksUrl}?fresh` })).body.client_id as string;
      jwksCacheControl = 'no-store';
      jwksFetches = 0;
      for (let i = 0; i < 2; i++) assert.equal((await tokenRequest(await assertion({ iss: noStore, sub: noStore }))).status, 200);
      assert.equal(jwksFetches, 2, 'no-store is fetched every time');
      const withJku = await assertion({ iss: viaUrl, sub: viaUrl }, { jku: jwksUrl });
      assert.equal((await tokenRequest(withJku)).status, 200, 'jku equal to the registered JWKS URL is accepted');
      const big = (await register({ jwks_uri: `${jwksUrl}?big` })).body.client_id as string;
      const saved = jwksBody;
      jwksBody = JSON.stringify({ keys: [], padding: 'x'.repeat(100_000) });
      try {
        assert.equal((await tokenRequest(await assertion({ iss: big, sub: big }))).body.error, 'invalid_client', 'oversized JWKS refused');
      } finally {
        jwksBody = saved;
      }
    });

    it('registration refuses bad metadata with RFC 7591 errors', async () => {
      assert.equal((await register({ jwks: { keys: [{ kty: 'oct', k: 'abc' }] } })).body.error, 'invalid_client_metadata');
      assert.equal((await register({ jwks: { keys: [] }, jwks_uri: jwksUrl })).body.error, 'invalid_client_metadata');
      assert.equal((await register({ token_endpoint_auth_method: 'client_secret_basic' })).body.error, 'invalid_client_metadata');
      const redirect = await http('POST', `${origin}/auth/register`, { redirect_uris: ['not a uri'] }, { 'content-type': 'application/json' });
      assert.equal(redirect.body.error, 'invalid_redirect_uri');
      const malformed = await http('POST', `${origin}/auth/register`, '{"client_name":', { 'content-type': 'application/json' });
      assert.equal(malformed.status, 400);
    });
  });
}

describe('backend services in production mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { mode: 'production', operatorToken: 'operator-token-for-tests-0001' });
  });
  after(() => server.close());

  it('never fetches a JWKS URL on a private or loopback address', async () => {
    const origin = new URL(server.fhirBase).origin;
    const keys = await generateKeyPair('ES384', { extractable: true });
    for (const host of ['127.0.0.1:9443', '10.1.2.3', '169.254.169.254', '[::1]:8443']) {
      const registered = await http('POST', `${origin}/auth/register`, {
        grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', scope: 'system/Patient.rs', jwks_uri: `https://${host}/jwks.json`,
      }, { 'content-type': 'application/json', authorization: 'Bearer operator-token-for-tests-0001' });
      assert.equal(registered.status, 201, registered.text);
      const clientId = registered.body.client_id as string;
      const clientAssertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'k1' }).setIssuer(clientId).setSubject(clientId)
        .setAudience(`${origin}/auth/token`).setJti(randomUUID()).setExpirationTime('2m').sign(keys.privateKey);
      const response = await fetch(`${origin}/auth/token`, { method: 'POST', body: new URLSearchParams({
        grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion,
      }) });
      const body = await response.json() as { error: string; error_description: string };
      assert.equal(response.status, 401, host);
      assert.equal(body.error, 'invalid_client');
      assert.match(body.error_description, /address/, host);
    }
  });
});
