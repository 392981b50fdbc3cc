import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createLogger, newId, systemClock } from '../../src/base/index.js';
import { createUser } from '../../src/auth/index.js';
import { OPEN_ACCESS } from '../../src/access/index.js';
import type { GrantRecord, Store } from '../../src/storage/index.js';
import { createSubscriptionEngine, type RestHookRequest, type SubscriptionEngine } from '../../src/subscriptions/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { useTestStore } from '../harness/test-store.js';
import { condition, FHIR_BASE, subscription, write } from './engine-harness.js';
import { Receiver, type Parameter } from './receiver.js';

/**
 * Issue 4 (b): "revocation stops the flow at once". Revoking a grant turns its subscriptions off
 * before the revocation answers (no delivery round needed), and a round that began before the
 * revocation committed checks the grant again right before it sends.
 */
for (const engineName of testEngines()) {
  describe(`revocation stops delivery at once, through the real server [${engineName}]`, () => {
    let server: TestServer;
    let flow: SmartFlow;
    let patientId = '';
    const receiver = new Receiver();
    const user: [string, string] = ['revoking-pat', 'patient-pass1'];
    const scope = 'launch/patient offline_access patient/Patient.rs patient/Subscription.cruds patient/Condition.rs';
    const fhir = (path: string) => `${server.fhirBase}${path}`;

    before(async () => {
      server = await startTestServer(engineName);
      patientId = (await http('POST', fhir('/Patient'), patientBody('Revoking'))).body.id;
      await createUser(server.server.services.store.auth, { username: user[0], password: user[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
      flow = await SmartFlow.register(server);
    });
    after(async () => {
      await receiver.stop();
      await server.close();
    });

    it('RFC 7009 revocation: $status shows off as soon as it answered; the next matching change is not delivered', async () => {
      const endpoint = await receiver.start();
      const tokens = await flow.tokens(scope, user);
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      const created = await http('POST', fhir('/Subscription'), subscription(endpoint, `Condition?patient=Patient/${patientId}`), as(tokens.access_token));
      assert.equal(created.status, 201, created.text);
      await receiver.until(() => receiver.of('handshake').length === 1);
      await http('POST', fhir('/Condition'), condition('x', patientId, 'problem-list-item'));
      await receiver.until(() => receiver.events().includes(1));

      await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE));
      // No waiting: the revocation answered after the engine turned the subscription off.
      const again = await flow.tokens(scope, user);
      const status = await http('GET', fhir(`/Subscription/${created.body.id}/$status`), undefined, as(again.access_token));
      assert.equal(status.status, 200, status.text);
      const parameters = status.body.entry[0].resource.parameter as Parameter[];
      assert.equal(parameters.find((p) => p.name === 'status')?.valueCode, 'off');
      assert.match(JSON.stringify(parameters.find((p) => p.name === 'error')), /revoked/);

      await http('POST', fhir('/Condition'), condition('x', patientId, 'problem-list-item'));
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(receiver.events(), [1], 'nothing was sent after the revocation');
      assert.equal(receiver.received.length, 2, 'no heartbeat or other notification either');
    });
  });

  describe(`revocation inside a delivery round [${engineName}]`, () => {
    const store = useTestStore(engineName);
    const sent: RestHookRequest[] = [];
    let engine: SubscriptionEngine;
    let revokeDuringRound: string | undefined;

    before(() => {
      engine = createSubscriptionEngine({
        store: store(), clock: systemClock, log: createLogger('silent'),
        options: { mode: 'sandbox', fhirBase: FHIR_BASE, pollMs: 50, grantSweepEveryMs: 100 },
        send: async (request) => {
          sent.push(request);
          return { ok: true, statusCode: 200, latencyMs: 1, error: null };
        },
        // Signing is the last step before the send: a revocation committing here is one that
        // committed after the round judged the grant at its start.
        sign: async () => {
          if (revokeDuringRound) await store().auth.revokeGrant(revokeDuringRound, Date.now(), 'revoked during the round');
          return 'unsigned..test';
        },
      });
      engine.start();
    });
    after(async () => {
      await engine.stop();
    });

    const subscribeAs = async (grantId: string, patient: string) => {
      const validated = await engine.validateSubscription(subscription('http://127.0.0.1:9/hook', `Condition?patient=Patient/${patient}`), OPEN_ACCESS);
      const id = newId();
      await engine.onSubscriptionWritten(id, { ...validated, grantId });
      return id;
    };
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(await check(), 'condition reached');
    };

    it('a revocation that commits after the round began still stops its send', async () => {
      const grant = await insertGrant(store(), null);
      const id = await subscribeAs(grant, 'r1');
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.status === 'active');
      const before = sent.length;
      revokeDuringRound = grant;
      await write(store(), condition('c1', 'r1', 'problem-list-item'), engine);
      await waitFor(async () => (await store().subscriptions.getSubscription(id))?.status === 'off');
      revokeDuringRound = undefined;
      assert.equal(sent.length, before, 'the notification built before the revocation was not sent');
      assert.match((await store().subscriptions.getSubscription(id))!.error!, /revoked/);
    });

    it('a grant derived from a revoked one, and a grant that expired on its own, turn their subscriptions off without any event', async () => {
      const parent = await insertGrant(store(), null);
      const derived = await insertGrant(store(), null, { kind: 'derived', parentGrantId: parent });
      const expiring = await insertGrant(store(), Date.now() + 300);
      const viaParent = await subscribeAs(derived, 'r2');
      const expires = await subscribeAs(expiring, 'r3');
      await waitFor(async () => (await store().subscriptions.getSubscription(viaParent))?.status === 'active');
      await store().auth.revokeGrant(parent, Date.now(), 'test');
      await engine.onGrantsEnded([parent]); // names the parent; the derived grant's subscription follows in the sweep
      await waitFor(async () => (await store().subscriptions.getSubscription(viaParent))?.status === 'off');
      const off = (await store().subscriptions.getSubscription(viaParent))!;
      assert.equal(off.status, 'off');
      assert.match(off.error!, /derived from was revoked/);
      await waitFor(async () => (await store().subscriptions.getSubscription(expires))?.status === 'off');
      assert.match((await store().subscriptions.getSubscription(expires))!.error!, /expired/);
    });
  });
}

async function insertGrant(store: Store, expiresAt: number | null, extra: Partial<GrantRecord> = {}): Promise<string> {
  const id = newId();
  const now = Date.now();
  await store.auth.insertGrant({
    id, kind: 'user', clientId: 'test-client', userId: 'u1', fhirUser: null, patientId: null, encounterId: null, scope: 'user/*.rs',
    offline: false, createdAt: now, lastUsedAt: now, idleExpiresAt: null, expiresAt, parentGrantId: null, parentTokenId: null, consentId: null,
    revokedAt: null, revokedReason: null, ...extra,
  });
  return id;
}
