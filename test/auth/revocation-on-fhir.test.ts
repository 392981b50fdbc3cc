import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/** Revocation takes effect on the FHIR API at the next request: RFC 7009, code replay, the connected-apps path's grant revocation. */
for (const engine of testEngines()) {
  describe(`revocation reaches the FHIR API [${engine}]`, () => {
    let server: TestServer;
    let flow: SmartFlow;
    let patientId: string;
    const user: [string, string] = ['pat', 'patient-pass1'];
    const scope = 'launch/patient offline_access patient/Patient.rs';

    before(async () => {
      server = await startTestServer(engine);
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Revoked'))).body.id;
      await createUser(server.server.services.store.auth, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      flow = await SmartFlow.register(server);
    });
    after(() => server.close());

    const read = (token: string) => http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: `Bearer ${token}` });

    it('revoking the refresh token ends the access token at the next request (401 with WWW-Authenticate)', async () => {
      const tokens = await flow.tokens(scope, user);
      assert.equal((await read(tokens.access_token)).status, 200);
      const response = await oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE);
      await oauth.processRevocationResponse(response);
      const refused = await read(tokens.access_token);
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
      assert.equal(refused.body.resourceType, 'OperationOutcome');
    });

    it('revoking one access token ends that token only', async () => {
      const tokens = await flow.tokens(scope, user);
      const second = await oauth.processRefreshTokenResponse(flow.as, flow.client, await oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE));
      await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.access_token, INSECURE));
      assert.equal((await read(tokens.access_token)).status, 401);
      assert.equal((await read(second.access_token)).status, 200);
    });

    it('a replayed code revokes the access token already issued from it', async () => {
      const a = await flow.attempt(scope);
      const back = await flow.consent(a, user);
      const tokens = await flow.exchange(a, back);
      assert.equal((await read(tokens.access_token)).status, 200);
      const params = oauth.validateAuthResponse(flow.as, flow.client, back, a.state);
      const replay = await oauth.authorizationCodeGrantRequest(flow.as, flow.client, oauth.None(), params, flow.redirectUri, a.verifier, INSECURE);
      assert.equal(replay.status, 400);
      assert.equal((await read(tokens.access_token)).status, 401);
    });

    it('a forged or malformed token is 401; no token is 401 without an error code', async () => {
      const tokens = await flow.tokens(scope, user);
      const [h, p, s] = tokens.access_token.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), patient: 'someone-else' })).toString('base64url')}.${s}`;
      assert.equal((await read(forged)).status, 401);
      assert.equal((await read('not-a-token')).status, 401);
      const none = await http('GET', `${server.fhirBase}/Patient/${patientId}`, undefined, { authorization: '' });
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="handover"');
      const metadata = await http('GET', `${server.fhirBase}/metadata`, undefined, { authorization: '' });
      assert.equal(metadata.status, 200, '/metadata stays public');
    });
  });
}
