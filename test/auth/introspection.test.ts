import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT, decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, registerConfidentialClient, SmartFlow, type ConfidentialClient } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/**
 * RFC 7662 introspection with the SMART members, through oauth4webapi: a client sees its own
 * tokens, a resource server every token, and anything else is `{"active": false}` and only that.
 */
for (const engine of testEngines()) {
  describe(`token introspection [${engine}]`, () => {
    const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
    let server: TestServer;
    let app: SmartFlow;
    let otherApp: SmartFlow;
    let resourceServer: ConfidentialClient;
    let plainConfidential: ConfidentialClient;
    let patientId: string;
    const clin: [string, string] = ['clin', 'clinician-pass'];
    const pat: [string, string] = ['pat', 'patient-pass1'];

    before(async () => {
      server = await startTestServer(engine, {}, clock);
      const records = server.server.services.store.auth;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Introspected'))).body.id;
      await createUser(records, { username: clin[0], password: clin[1], fhirUser: 'Practitioner/p1', displayName: 'Dr. Clin' }, Date.now());
      await createUser(records, { username: pat[0], password: pat[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      app = await SmartFlow.register(server, { name: 'Chart app' });
      app.pickPatient = patientId;
      otherApp = await SmartFlow.register(server, { name: 'Other app' });
      resourceServer = await registerConfidentialClient(server, { mayIntrospect: true });
      plainConfidential = await registerConfidentialClient(server, { name: 'Not a resource server' });
    });
    after(() => server.close());

    const introspectAs = async (client: oauth.Client, auth: oauth.ClientAuth, token: string, hint?: string) =>
      oauth.processIntrospectionResponse(app.as, client, await oauth.introspectionRequest(app.as, client, auth, token, {
        ...INSECURE, ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
      }));
    const introspectOwn = (flow: SmartFlow, token: string, hint?: string) => introspectAs(flow.client, oauth.None(), token, hint);
    const post = (body: string | URLSearchParams, headers: Record<string, string> = {}) =>
      fetch(app.as.introspection_endpoint!, { method: 'POST', body, headers });

    it('an active access token: the SMART members, fhirUser absolute, Cache-Control no-store', async () => {
      const tokens = await app.tokens('launch/patient openid fhirUser offline_access patient/Patient.rs', clin);
      const response = await oauth.introspectionRequest(app.as, app.client, oauth.None(), tokens.access_token, INSECURE);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = await oauth.processIntrospectionResponse(app.as, app.client, response);
      const idToken = oauth.getValidatedIdTokenClaims(tokens)!;
      const claims = decodeJwt(tokens.access_token);
      assert.deepEqual(body, {
        active: true, token_type: 'Bearer', scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs', client_id: app.client.client_id,
        exp: claims.exp, iat: claims.iat, iss: idToken.iss, sub: idToken.sub, aud: server.fhirBase,
        patient: patientId, fhirUser: `${server.fhirBase}/Practitioner/p1`,
      });
    });

    it('fhirUser only when the fhirUser scope was granted', async () => {
      const tokens = await app.tokens('launch/patient patient/Patient.rs', pat);
      const body = await introspectOwn(app, tokens.access_token);
      assert.equal(body.active, true);
      assert.equal(body.patient, patientId);
      assert.equal(body.fhirUser, undefined);
    });

    it('a refresh token: active with its grant\'s scope and client, whatever the hint says', async () => {
      const tokens = await app.tokens('launch/patient offline_access patient/Patient.rs', pat);
      for (const hint of [undefined, 'refresh_token', 'access_token', 'no_such_hint']) {
        const body = await introspectOwn(app, tokens.refresh_token!, hint);
        assert.equal(body.active, true, `hint ${hint}`);
        assert.equal(body.scope, 'launch/patient offline_access patient/Patient.rs');
        assert.equal(body.client_id, app.client.client_id);
        assert.equal(body.token_type, undefined, 'a refresh token is no bearer token');
      }
      // A public client's refresh rotates: the old refresh token is no longer active.
      const refreshed = await oauth.processRefreshTokenResponse(app.as, app.client,
        await oauth.refreshTokenGrantRequest(app.as, app.client, oauth.None(), tokens.refresh_token!, INSECURE));
      assert.deepEqual(await introspectOwn(app, tokens.refresh_token!), { active: false });
      assert.equal((await introspectOwn(app, refreshed.refresh_token!)).active, true);
    });

    it('forged, malformed, unknown, expired and id tokens are {"active": false} and nothing else', async () => {
      const tokens = await app.tokens('launch/patient openid offline_access patient/Patient.rs', pat);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(tokens.access_token)).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'forged' }).sign(privateKey);
      const [header, payload] = tokens.access_token.split('.');
      const unsigned = `${header}.${payload}.`;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(tokens.access_token), scope: 'patient/*.cruds' })).toString('base64url')}.${tokens.access_token.split('.')[2]}`;
      for (const token of [forged, unsigned, tampered, 'a.b.c', 'not-a-token', tokens.id_token!, `${tokens.refresh_token}x`]) {
        assert.deepEqual(await introspectOwn(app, token), { active: false }, token.slice(0, 40));
      }
      clock.offsetMs += 3601_000;
      try {
        assert.deepEqual(await introspectOwn(app, tokens.access_token), { active: false }, 'expired');
        assert.equal((await introspectOwn(app, tokens.refresh_token!)).active, true, 'the offline grant outlives its access token');
      } finally {
        clock.offsetMs -= 3601_000;
      }
    });

    it('another client\'s token is {"active": false}; a resource server sees every token', async () => {
      const tokens = await app.tokens('launch/patient offline_access patient/Patient.rs', pat);
      assert.deepEqual(await introspectOwn(otherApp, tokens.access_token), { active: false });
      assert.deepEqual(await introspectOwn(otherApp, tokens.refresh_token!), { active: false });
      assert.deepEqual(await introspectAs(plainConfidential.client, plainConfidential.auth, tokens.access_token), { active: false });
      const seen = await introspectAs(resourceServer.client, resourceServer.auth, tokens.access_token);
      assert.equal(seen.active, true);
      assert.equal(seen.client_id, app.client.client_id);
      assert.equal(seen.patient, patientId);
      assert.equal((await introspectAs(resourceServer.client, resourceServer.auth, tokens.refresh_token!)).active, true);
      const backend = await introspectAs(resourceServer.client, resourceServer.auth, await server.tokens.get());
      assert.equal(backend.active, true);
      assert.equal(backend.sub, server.tokens.clientId);
      assert.equal(backend.patient, undefined);
    });

    it('a revoked grant\'s tokens are inactive', async () => {
      const tokens = await app.tokens('launch/patient offline_access patient/Patient.rs', pat);
      const grant = decodeJwt(tokens.access_token).grant as string;
      await server.server.services.store.auth.revokeGrant(grant, Date.now(), 'test');
      assert.deepEqual(await introspectOwn(app, tokens.access_token), { active: false });
      assert.deepEqual(await introspectOwn(app, tokens.refresh_token!), { active: false });
    });

    it('client authentication: a confidential client that fails it gets 401 invalid_client', async () => {
      const tokens = await app.tokens('launch/patient patient/Patient.rs', pat);
      const wrongSecret = await oauth.introspectionRequest(app.as, resourceServer.client, oauth.ClientSecretBasic('wrong-secret'), tokens.access_token, INSECURE);
      assert.equal(wrongSecret.status, 401);
      assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.equal((await wrongSecret.json() as { error: string }).error, 'invalid_client');
      for (const body of [
        new URLSearchParams({ token: tokens.access_token }),
        new URLSearchParams({ token: tokens.access_token, client_id: resourceServer.client.client_id }),
        new URLSearchParams({ token: tokens.access_token, client_id: 'nobody' }),
        new URLSearchParams({ token: tokens.access_token, client_id: resourceServer.client.client_id, client_secret: resourceServer.secret }),
      ]) {
        const response = await post(body);
        assert.equal(response.status, 401, body.toString());
        assert.equal(response.headers.get('cache-control'), 'no-store');
        assert.equal((await response.json() as { error: string }).error, 'invalid_client');
      }
    });

    it('bad input is invalid_request: missing or repeated token, repeated hint, wrong content type, huge body', async () => {
      const tokens = await app.tokens('launch/patient patient/Patient.rs', pat);
      const id = app.client.client_id;
      const cases: [string, string | URLSearchParams, Record<string, string>, number][] = [
        ['missing token', new URLSearchParams({ client_id: id }), {}, 400],
        ['empty token', new URLSearchParams({ client_id: id, token: '' }), {}, 400],
        ['repeated token', `client_id=${id}&token=${tokens.access_token}&token=${tokens.access_token}`, { 'content-type': 'application/x-www-form-urlencoded' }, 400],
        ['repeated hint', `client_id=${id}&token=${tokens.access_token}&token_type_hint=access_token&token_type_hint=access_token`, { 'content-type': 'application/x-www-form-urlencoded' }, 400],
        ['JSON body', JSON.stringify({ client_id: id, token: tokens.access_token }), { 'content-type': 'application/json' }, 400],
        ['text body', `client_id=${id}&token=x`, { 'content-type': 'text/plain' }, 400],
        ['huge body', `client_id=${id}&token=${'x'.repeat(100_000)}`, { 'content-type': 'application/x-www-form-urlencoded' }, 413],
        ['NUL in the token', `client_id=${id}&token=%00${'a'.repeat(42)}`, { 'content-type': 'application/x-www-form-urlencoded' }, 400],
        ['NUL client', `client_id=%00${id}&token=x`, { 'content-type': 'application/x-www-form-urlencoded' }, 400],
        ['NUL Basic', 'token=x', { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('%00a:b').toString('base64')}` }, 401],
      ];
      for (const [name, body, headers, status] of cases) {
        const response = await post(body, headers);
        assert.equal(response.status, status, name);
        assert.equal(response.headers.get('cache-control'), 'no-store', name);
        const json = await response.json() as { error?: string };
        assert.equal(json.error, status === 401 ? 'invalid_client' : 'invalid_request', name);
      }
      assert.equal((await introspectOwn(app, tokens.access_token)).active, true, 'nothing changed');
    });
  });
}
