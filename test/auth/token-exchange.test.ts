import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH = 'urn:ietf:params:oauth:token-type:refresh_token';

/** RFC 8693 derived tokens: narrower, never longer-lived, dying with their parent. */
for (const engine of testEngines()) {
  describe(`token exchange [${engine}]`, () => {
    const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
    let server: TestServer;
    let flow: SmartFlow;
    let patientId: string;
    let worker: { clientId: string; key: CryptoKey };
    const user: [string, string] = ['pat', 'patient-pass1'];
    const scope = 'launch/patient offline_access patient/Condition.rs patient/Patient.rs';

    before(async () => {
      server = await startTestServer(engine, {}, clock);
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Derive'))).body.id;
      await createUser(server.server.services.store.auth, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      flow = await SmartFlow.register(server);
      const keys = await generateKeyPair('ES384', { extractable: true });
      const registered = await http('POST', `${flow.origin}/auth/register`, {
        client_name: 'Background worker', grant_types: ['refresh_token'], token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'w1', alg: 'ES384' }] }, scope: 'patient/*.rs',
      }, { 'content-type': 'application/json' });
      assert.equal(registered.status, 201, registered.text);
      worker = { clientId: registered.body.client_id, key: keys.privateKey };
    });
    after(() => server.close());

    const workerAssertion = () => new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'w1' }).setIssuer(worker.clientId).setSubject(worker.clientId)
      .setAudience(flow.as.token_endpoint!).setJti(randomUUID()).setExpirationTime('2m').sign(worker.key);
    const exchange = async (params: Record<string, string>) => {
      const response = await oauth.genericTokenEndpointRequest(flow.as, flow.client, oauth.None(), EXCHANGE, new URLSearchParams(params), INSECURE);
      return { status: response.status, body: await response.json() as Record<string, string | number> };
    };
    const introspect = async (token: string) => {
      const response = await fetch(flow.as.introspection_endpoint!, { method: 'POST', body: new URLSearchParams({ token, client_id: flow.client.client_id }) });
      return await response.json() as Record<string, unknown>;
    };

    it('derives a narrower access token that names its holder and keeps the patient', async () => {
      const parent = await flow.tokens(scope, user);
      const derived = await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS, scope: 'patient/Condition.rs', audience: server.fhirBase });
      assert.equal(derived.status, 200, JSON.stringify(derived.body));
      assert.equal(derived.body.issued_token_type, ACCESS);
      assert.equal(derived.body.token_type, 'Bearer');
      assert.equal(derived.body.scope, 'patient/Condition.rs');
      assert.ok(Number(derived.body.expires_in) <= Number(parent.expires_in));
      assert.equal(derived.body.refresh_token, undefined);
      const claims = decodeJwt(String(derived.body.access_token));
      assert.deepEqual(claims.act, { sub: flow.client.client_id });
      assert.ok(Number(claims.exp) <= Number(decodeJwt(parent.access_token).exp));
      const seen = await introspect(String(derived.body.access_token));
      assert.equal(seen.active, true);
      assert.equal(seen.scope, 'patient/Condition.rs');
      assert.equal(seen.patient, patientId);
    });

    it('refuses widening, a foreign audience, bad types and a revoked parent', async () => {
      const parent = await flow.tokens(scope, user);
      assert.equal((await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS, scope: 'patient/Observation.rs' })).body.error, 'invalid_scope');
      assert.equal((await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS, audience: 'https://cds.example/fhir' })).body.error, 'invalid_target');
      assert.equal((await exchange({ subject_token: parent.access_token, subject_token_type: 'urn:x' })).body.error, 'invalid_request');
      assert.equal((await exchange({ subject_token: 'forged', subject_token_type: ACCESS })).body.error, 'invalid_grant');
      const derived = await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS, scope: 'patient/Patient.rs' });
      // Revoking the parent access token (RFC 7009) ends it and every token derived from it.
      await fetch(flow.as.revocation_endpoint!, { method: 'POST', body: new URLSearchParams({ token: parent.access_token, client_id: flow.client.client_id }) });
      assert.equal((await introspect(String(derived.body.access_token))).active, false);
      assert.equal((await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS })).body.error, 'invalid_grant');
      // …while the parent grant's refresh token still works.
      const refreshed = await oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), parent.refresh_token!, INSECURE);
      assert.equal(refreshed.status, 200);
    });

    it('refuses an expired parent', async () => {
      const parent = await flow.tokens(scope, user);
      clock.offsetMs += 3601_000;
      try {
        assert.equal((await exchange({ subject_token: parent.access_token, subject_token_type: ACCESS })).body.error, 'invalid_grant');
      } finally {
        clock.offsetMs -= 3601_000;
      }
    });

    it('derives an offline session for a worker client that dies with the parent grant', async () => {
      const parent = await flow.tokens(scope, user);
      const noActor = await exchange({ subject_token: parent.refresh_token!, subject_token_type: REFRESH });
      assert.equal(noActor.body.error, 'invalid_request', 'an offline session is for a named worker');
      const session = await exchange({
        subject_token: parent.refresh_token!, subject_token_type: REFRESH, scope: 'patient/Condition.rs',
        actor_token: await workerAssertion(), actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      });
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.equal(session.body.issued_token_type, REFRESH);
      const workerRefresh = async () => fetch(flow.as.token_endpoint!, { method: 'POST', body: new URLSearchParams({
        grant_type: 'refresh_token', refresh_token: String(session.body.access_token),
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await workerAssertion(),
      }) });
      const first = await workerRefresh();
      const firstBody = await first.json() as Record<string, unknown>;
      assert.equal(first.status, 200, JSON.stringify(firstBody));
      assert.equal(firstBody.scope, 'patient/Condition.rs');
      assert.equal(firstBody.patient, patientId);
      // The app revokes its own refresh token: the whole parent grant ends, and the worker's session with it.
      await fetch(flow.as.revocation_endpoint!, { method: 'POST', body: new URLSearchParams({ token: parent.refresh_token!, client_id: flow.client.client_id }) });
      const after = await workerRefresh();
      assert.equal(((await after.json()) as { error: string }).error, 'invalid_grant');
    });
  });
}
