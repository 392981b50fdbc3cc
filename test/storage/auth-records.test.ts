import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GrantRecord } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

const grant = (id: string, extra: Partial<GrantRecord> = {}): GrantRecord => ({
  id, kind: 'user', clientId: 'app', userId: 'u1', fhirUser: 'Practitioner/p1', patientId: 'pat1', encounterId: null,
  scope: 'patient/*.rs', offline: true, createdAt: 1000, lastUsedAt: 1000, idleExpiresAt: 5000, expiresAt: null,
  parentGrantId: null, parentTokenId: null, consentId: null, revokedAt: null, revokedReason: null, ...extra,
});

for (const engine of testEngines()) {
  describe(`auth records [${engine}]`, () => {
    const store = useTestStore(engine);

    it('round-trips a client, its lists and flags', async () => {
      await store().auth.insertClient({
        clientId: 'app', clientName: 'App', kind: 'public', secretHash: null, redirectUris: ['https://a/cb', 'https://a/cb2'],
        launchUrl: 'https://a/launch', scope: 'launch openid', grantTypes: ['authorization_code'], jwks: null, jwksUri: null,
        allowedOrigins: ['https://a'], mayIntrospect: true, registeredBy: 'cli', createdAt: 42, review: 'none',
      });
      const client = await store().auth.getClient('app');
      assert.deepEqual(client?.redirectUris, ['https://a/cb', 'https://a/cb2']);
      assert.equal(client?.mayIntrospect, true);
      assert.equal(client?.createdAt, 42);
      assert.equal(await store().auth.getClient('nobody'), undefined);
    });

    it('a code is taken once; the second take reports the replay', async () => {
      await store().auth.insertGrant(grant('g1'));
      await store().auth.insertCode({ codeHash: 'h1', grantId: 'g1', clientId: 'app', redirectUri: 'https://a/cb', codeChallenge: 'c', nonce: null, expiresAt: 2000, usedAt: null });
      const [first, second] = await Promise.all([store().auth.consumeCode('h1', 1500), store().auth.consumeCode('h1', 1501)]);
      assert.deepEqual([first?.firstUse, second?.firstUse].sort(), [false, true]);
      assert.equal(await store().auth.consumeCode('unknown', 1500), undefined);
    });

    it('revokes a grant once and keeps the first reason', async () => {
      assert.equal(await store().auth.revokeGrant('g1', 3000, 'code replay'), true);
      assert.equal(await store().auth.revokeGrant('g1', 4000, 'again'), false);
      const revoked = await store().auth.getGrant('g1');
      assert.equal(revoked?.revokedAt, 3000);
      assert.equal(revoked?.revokedReason, 'code replay');
    });

    it('rotates a refresh token exactly once', async () => {
      await store().auth.insertGrant(grant('g2'));
      await store().auth.insertRefreshToken({ tokenHash: 'r1', grantId: 'g2', clientId: 'app', createdAt: 1000, rotatedAt: null });
      const results = await Promise.all([store().auth.rotateRefreshToken('r1', 2000), store().auth.rotateRefreshToken('r1', 2001)]);
      assert.deepEqual(results.sort(), [false, true]);
    });

    it('refuses a repeated assertion id per client, and prunes expired records', async () => {
      assert.equal(await store().auth.recordAssertionId('svc', 'j1', 2000), true);
      assert.equal(await store().auth.recordAssertionId('svc', 'j1', 2000), false);
      assert.equal(await store().auth.recordAssertionId('other', 'j1', 2000), true);
      await store().auth.revokeTokenId('t1', 'g2', 2500);
      assert.equal(await store().auth.isTokenIdRevoked('t1'), true);
      assert.ok((await store().auth.pruneExpired(3000)) >= 4);
      assert.equal(await store().auth.isTokenIdRevoked('t1'), false);
      assert.equal(await store().auth.recordAssertionId('svc', 'j1', 9000), true);
    });
  });
}
