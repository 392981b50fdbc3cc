import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, registerConfidentialClient, SmartFlow, type ConfidentialClient } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/**
 * RFC 7009 revocation through oauth4webapi: a refresh token ends its whole grant, an access token
 * ends alone, and a token that is unknown or another client's is answered 200 with nothing changed.
 */
for (const engine of testEngines()) {
  describe(`token revocation [${engine}]`, () => {
    let server: TestServer;
    let app: SmartFlow;
    let otherApp: SmartFlow;
    let confidential: ConfidentialClient;
    let patientId: string;
    const pat: [string, string] = ['pat', 'patient-pass1'];
    const scope = 'launch/patient offline_access patient/Patient.rs';

    before(async () => {
      server = await startTestServer(engine);
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Revoked'))).body.id;
      await createUser(server.server.services.store.auth, { username: pat[0], password: pat[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      app = await SmartFlow.register(server, { name: 'Revoking app' });
      otherApp = await SmartFlow.register(server, { name: 'Other app' });
      confidential = await registerConfidentialClient(server, { name: 'Confidential app', mayIntrospect: true });
    });
    after(() => server.close());

    const revoke = async (flow: SmartFlow, token: string, hint?: string) =>
      oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), token, {
        ...INSECURE, ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
      }));
    const active = async (token: string) => (await oauth.processIntrospectionResponse(app.as, confidential.client,
      await oauth.introspectionRequest(app.as, confidential.client, confidential.auth, token, INSECURE))).active;
    /** The FHIR API itself, right after the revocation: its liveness cache must not hide it. */
    const resourceServerAccepts = async (accessToken: string) => {
      const response = await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${accessToken}` });
      assert.ok(response.status === 200 || response.status === 401, `unexpected ${response.status}`);
      return response.status === 200;
    };
    const refresh = (flow: SmartFlow, refreshToken: string) => oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), refreshToken, INSECURE);

    it('revoking a refresh token ends the grant: its access token and the refresh both fail', async () => {
      const tokens = await app.tokens(scope, pat);
      assert.equal(await resourceServerAccepts(tokens.access_token), true);
      await revoke(app, tokens.refresh_token!, 'refresh_token');
      assert.equal(await active(tokens.access_token), false);
      assert.equal(await active(tokens.refresh_token!), false);
      assert.equal(await resourceServerAccepts(tokens.access_token), false);
      const refused = await refresh(app, tokens.refresh_token!);
      assert.equal(refused.status, 400);
      assert.equal((await refused.json() as { error: string }).error, 'invalid_grant');
      await revoke(app, tokens.refresh_token!);
    });

    it('revoking an access token ends that token only; the refresh token keeps working', async () => {
      const tokens = await app.tokens(scope, pat);
      await revoke(app, tokens.access_token, 'access_token');
      assert.equal(await active(tokens.access_token), false);
      assert.equal(await resourceServerAccepts(tokens.access_token), false);
      assert.equal(await active(tokens.refresh_token!), true);
      const renewed = await oauth.processRefreshTokenResponse(app.as, app.client, await refresh(app, tokens.refresh_token!));
      assert.equal(await active(renewed.access_token), true);
      assert.equal(await resourceServerAccepts(renewed.access_token), true);
      await revoke(app, tokens.access_token);
    });

    it('the hint is only a hint: a wrong or unknown one still finds the token', async () => {
      const first = await app.tokens(scope, pat);
      await revoke(app, first.refresh_token!, 'access_token');
      assert.equal(await active(first.access_token), false);
      const second = await app.tokens(scope, pat);
      await revoke(app, second.access_token, 'something_else');
      assert.equal(await active(second.access_token), false);
    });

    it('another client\'s token, an unknown one, a forged one: 200 and nothing changed', async () => {
      const tokens = await app.tokens(scope, pat);
      const claims = decodeJwt(tokens.access_token);
      const forged = `${tokens.access_token.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`;
      for (const token of [tokens.refresh_token!, tokens.access_token, 'unknown-token', forged, 'a.b.c']) await revoke(otherApp, token);
      const byConfidential = await oauth.revocationRequest(app.as, confidential.client, confidential.auth, tokens.refresh_token!, INSECURE);
      assert.equal(byConfidential.status, 200, 'introspection rights give no revocation rights');
      assert.equal(await active(tokens.access_token), true);
      assert.equal(await active(tokens.refresh_token!), true);
      assert.equal(await server.server.services.store.auth.isTokenIdRevoked(claims.jti!), false);
      assert.equal(await resourceServerAccepts(tokens.access_token), true);
    });

    it('errors: an unauthenticated confidential client is 401 invalid_client; missing or repeated token is invalid_request', async () => {
      const tokens = await app.tokens(scope, pat);
      const endpoint = app.as.revocation_endpoint!;
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const wrongSecret = await oauth.revocationRequest(app.as, confidential.client, oauth.ClientSecretBasic('wrong'), tokens.refresh_token!, INSECURE);
      assert.equal(wrongSecret.status, 401);
      assert.equal((await wrongSecret.json() as { error: string }).error, 'invalid_client');
      const cases: [string, string, Record<string, string>, number, string][] = [
        ['no client', `token=${tokens.refresh_token}`, form, 401, 'invalid_client'],
        ['confidential without secret', `client_id=${confidential.client.client_id}&token=${tokens.refresh_token}`, form, 401, 'invalid_client'],
        ['missing token', `client_id=${app.client.client_id}`, form, 400, 'invalid_request'],
        ['repeated token', `client_id=${app.client.client_id}&token=${tokens.refresh_token}&token=${tokens.refresh_token}`, form, 400, 'invalid_request'],
        ['repeated client_id', `client_id=${app.client.client_id}&client_id=${app.client.client_id}&token=${tokens.refresh_token}`, form, 400, 'invalid_request'],
        ['JSON', JSON.stringify({ client_id: app.client.client_id, token: tokens.refresh_token }), { 'content-type': 'application/json' }, 400, 'invalid_request'],
        ['no content type', `client_id=${app.client.client_id}&token=${tokens.refresh_token}`, {}, 400, 'invalid_request'],
        ['huge body', `client_id=${app.client.client_id}&token=${tokens.refresh_token}&pad=${'x'.repeat(70_000)}`, form, 413, 'invalid_request'],
      ];
      for (const [name, body, headers, status, error] of cases) {
        const response = await fetch(endpoint, { method: 'POST', body: headers['content-type'] ? body : new Blob([body]), headers });
        assert.equal(response.status, status, name);
        assert.equal(response.headers.get('cache-control'), 'no-store', name);
        assert.equal((await response.json() as { error: string }).error, error, name);
      }
      assert.equal(await active(tokens.refresh_token!), true, 'nothing changed');
      assert.equal(await active(tokens.access_token), true, 'nothing changed');
    });
  });
}
