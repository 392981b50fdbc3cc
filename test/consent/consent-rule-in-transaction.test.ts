import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { createUser } from '../../src/auth/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';

const SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Consent.rs';

/**
 * The Consent rule (a grant-backed Consent may only end) reads the grants it backs inside the
 * write's own transaction. Read through the pool instead, a PostgreSQL write holding the only
 * connection waited for a second one until the pool wait ran out (15 s, then 503) — and N such
 * writes at once on a pool of N hung every request behind them. A one-connection pool makes the
 * difference visible with one write.
 */
for (const engine of testEngines()) {
  describe(`the Consent rule runs inside its write's transaction [${engine}]`, () => {
    let server: TestServer;
    const fhir = (path: string) => `${server.fhirBase}${path}`;

    before(async () => {
      server = await startTestServer(engine, { pgPoolSize: '1' });
    });
    after(async () => {
      await server.close();
    });

    it('refuses a change to a grant-backed Consent and accepts its end, at once, on a one-connection pool', async () => {
      const patientId = (await http('POST', fhir('/Patient'), patientBody('Pooled'))).body.id as string;
      const auth = server.server.services.store.auth;
      await createUser(auth, { username: 'pooled-pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pool Ed' }, Date.now());
      const flow = await SmartFlow.register(server, { name: 'Pooled app' });
      const tokens = await flow.tokens(SCOPE, ['pooled-pat', 'patient-pass1']);
      const grant = await auth.getGrant(decodeJwt(tokens.access_token).grant as string);
      assert.ok(grant?.consentId, 'the grant names its Consent');
      const { meta: _meta, ...consent } = (await http('GET', fhir(`/Consent/${grant.consentId}`))).body;

      const started = Date.now();
      const widened = await http('PUT', fhir(`/Consent/${grant.consentId}`), { ...consent, dateTime: '2020-01-01T00:00:00Z' });
      assert.equal(widened.status, 422, widened.text);
      assert.match(widened.text, /only its status may change/);
      const ended = await http('PUT', fhir(`/Consent/${grant.consentId}`), { ...consent, status: 'inactive' });
      assert.equal(ended.status, 200, ended.text);
      assert.ok(Date.now() - started < 5000, `both writes answered within the pool wait (took ${Date.now() - started} ms)`);
    });
  });
}
