import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';

const DAY = 86_400_000;

/**
 * "Refresh it for months": an offline grant slides 90 days from its last use (--offline-days),
 * dies after 90 idle days, and an absolute cap (--offline-max-days) ends it whatever the use.
 */
describe('offline grant lifetime', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  let server: TestServer;
  let flow: SmartFlow;
  let capped: TestServer;
  let cappedFlow: SmartFlow;

  const setUp = async (overrides: Record<string, string>) => {
    const s = await startTestServer('sqlite', overrides, clock);
    const patientId = (await http('POST', `${s.fhirBase}/Patient`, patientBody('Months'))).body.id;
    await createUser(s.server.services.store.auth, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
    return { s, f: await SmartFlow.register(s) };
  };
  before(async () => {
    ({ s: server, f: flow } = await setUp({}));
    ({ s: capped, f: cappedFlow } = await setUp({ offlineMaxDays: '120' }));
  });
  after(async () => {
    await server.close();
    await capped.close();
  });

  const refresh = async (f: SmartFlow, token: string) => {
    const response = await oauth.refreshTokenGrantRequest(f.as, f.client, oauth.None(), token, INSECURE);
    const body = await response.json() as { error?: string; refresh_token?: string };
    return body;
  };

  it('slides with use for months, and ends after 90 idle days', async () => {
    clock.offsetMs = 0;
    let token = (await flow.tokens('launch/patient offline_access patient/Patient.rs', ['pat', 'patient-pass1'])).refresh_token!;
    for (let month = 1; month <= 5; month++) {
      clock.offsetMs = month * 60 * DAY;
      const next = await refresh(flow, token);
      assert.ok(next.refresh_token, `month ${month * 2}: ${JSON.stringify(next)}`);
      token = next.refresh_token;
    }
    clock.offsetMs += 91 * DAY;
    assert.equal((await refresh(flow, token)).error, 'invalid_grant');
  });

  it('an absolute cap ends the grant however often it is used', async () => {
    clock.offsetMs = 0;
    let token = (await cappedFlow.tokens('launch/patient offline_access patient/Patient.rs', ['pat', 'patient-pass1'])).refresh_token!;
    clock.offsetMs = 60 * DAY;
    token = (await refresh(cappedFlow, token)).refresh_token!;
    clock.offsetMs = 121 * DAY;
    assert.equal((await refresh(cappedFlow, token)).error, 'invalid_grant');
  });
});

describe('refresh-token grace period (--refresh-grace-seconds)', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  let server: TestServer;
  let flow: SmartFlow;
  before(async () => {
    server = await startTestServer('sqlite', { refreshGraceSeconds: '30' }, clock);
    const patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Grace'))).body.id;
    await createUser(server.server.services.store.auth, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
    flow = await SmartFlow.register(server);
  });
  after(() => server.close());

  const refresh = async (token: string) => (await (await oauth.refreshTokenGrantRequest(flow.as, flow.client, oauth.None(), token, INSECURE)).json()) as { error?: string; refresh_token?: string };

  it('a lost response can be retried within the grace period; later reuse revokes the grant', async () => {
    const first = (await flow.tokens('launch/patient offline_access patient/Patient.rs', ['pat', 'patient-pass1'])).refresh_token!;
    const second = await refresh(first);
    assert.ok(second.refresh_token);
    clock.offsetMs = 10_000;
    const retried = await refresh(first);
    assert.ok(retried.refresh_token, `within the grace period: ${JSON.stringify(retried)}`);
    clock.offsetMs = 45_000;
    assert.equal((await refresh(first)).error, 'invalid_grant');
    assert.equal((await refresh(retried.refresh_token)).error, 'invalid_grant', 'the reuse revoked the whole grant');
  });
});
