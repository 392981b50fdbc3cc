import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeySealer, NOTIFICATION_ALG, SigningKeys, SigningKeysUnreadable, TOKEN_ALG, signAccessToken, verifyAccessToken } from '../../src/access/index.js';
import type { GrantRecord } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

const DAY = 86_400_000;
const grant: GrantRecord = {
  id: 'g1', kind: 'backend', clientId: 'svc', userId: null, fhirUser: null, patientId: null, encounterId: null, scope: 'system/*.rs',
  offline: false, createdAt: 0, lastUsedAt: 0, idleExpiresAt: null, expiresAt: null, parentGrantId: null, parentTokenId: null,
  consentId: null, revokedAt: null, revokedReason: null,
};

for (const engine of testEngines()) {
  describe(`signing keys [${engine}]`, () => {
    const store = useTestStore(engine);

    it('persist, rotate after 30 days, and keep verifying old tokens until they expire', async () => {
      const clock = { at: Date.UTC(2026, 0, 1), now: () => new Date(clock.at) };
      const keys = new SigningKeys(store().auth, clock);
      await keys.load();
      const first = (await keys.jwks()).keys.map((k) => k.kid);
      assert.deepEqual((await keys.jwks()).keys.map((k) => k.alg).sort(), [NOTIFICATION_ALG, TOKEN_ALG].sort(), 'one key per algorithm');
      const tokenKid = (await keys.signingKey(TOKEN_ALG)).kid;
      assert.notEqual((await keys.signingKey(NOTIFICATION_ALG)).kid, tokenKid);
      const sign = () => signAccessToken(keys, { issuer: 'https://h/fhir', audience: 'https://h/fhir', grant, scope: grant.scope, lifetimeSeconds: 3600, now: clock.now() });
      const verify = (k: SigningKeys, token: string) => verifyAccessToken(k, token, { issuer: 'https://h/fhir', audience: 'https://h/fhir', now: clock.now() });
      const old = await sign();

      // Another process (or a restart) sees the same key.
      const restarted = new SigningKeys(store().auth, clock);
      await restarted.load();
      assert.deepEqual((await restarted.jwks()).keys.map((k) => k.kid), first);
      await verify(restarted, old.token);

      clock.at += 31 * DAY - 30 * 60_000;
      const rotated = new SigningKeys(store().auth, clock);
      await rotated.load();
      const kids = (await rotated.jwks()).keys.map((k) => k.kid);
      assert.equal(kids.length, 4, 'old and new key of each algorithm published');
      const fresh = await signAccessToken(rotated, { issuer: 'https://h/fhir', audience: 'https://h/fhir', grant, scope: grant.scope, lifetimeSeconds: 3600, now: clock.now() });
      const freshHeader = JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };
      assert.ok(!first.includes(freshHeader.kid), 'a new token key signs');
      assert.equal(freshHeader.alg, TOKEN_ALG);
      // The process that still holds the old key set learns the new kid by reloading.
      await verify(keys, fresh.token);

      clock.at += 2 * 3600_000;
      const later = new SigningKeys(store().auth, clock);
      await later.load();
      assert.deepEqual((await later.jwks()).keys.map((k) => k.kid), kids.filter((k) => !first.includes(k)), 'the retired keys are gone once their tokens expired');
    });
  });

  describe(`signing keys sealed at rest [${engine}]`, () => {
    const store = useTestStore(engine);

    it('with a key-encryption key: stored as JWE, keys made in clear replaced at once, unreadable without it or with another', async () => {
      const clock = { at: Date.UTC(2026, 0, 1), now: () => new Date(clock.at) };
      const kek = randomBytes(32);
      // Made in clear first, as a deployment's keys were before it set a key-encryption key.
      const clear = new SigningKeys(store().auth, clock);
      await clear.load();
      const clearKids = (await clear.jwks()).keys.map((k) => k.kid!);
      assert.ok((await store().auth.listSigningKeys()).every((k) => k.privateJwk.includes('"d"')), 'in clear without the key');

      const sealed = new SigningKeys(store().auth, clock, new KeySealer(kek));
      await sealed.load();
      const active = (await store().auth.listSigningKeys()).filter((k) => k.retiredAt === null);
      assert.equal(active.length, 2, 'one per algorithm');
      for (const key of active) {
        assert.ok(!clearKids.includes(key.kid), 'the keys made in clear no longer sign');
        assert.equal(key.privateJwk.split('.').length, 5, 'a compact JWE');
        assert.ok(!key.privateJwk.includes('"d"') && !Buffer.from(key.privateJwk.split('.')[3]!, 'base64url').toString('latin1').includes('"d"'));
        assert.deepEqual(JSON.parse(Buffer.from(key.privateJwk.split('.')[0]!, 'base64url').toString()), { alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' });
      }
      const issued = await signAccessToken(sealed, { issuer: 'https://h/fhir', audience: 'https://h/fhir', grant, scope: grant.scope, lifetimeSeconds: 3600, now: clock.now() });
      const restarted = new SigningKeys(store().auth, clock, new KeySealer(kek));
      await restarted.load();
      await verifyAccessToken(restarted, issued.token, { issuer: 'https://h/fhir', audience: 'https://h/fhir', now: clock.now() });
      assert.equal((await restarted.signingKey(TOKEN_ALG)).kid, (await sealed.signingKey(TOKEN_ALG)).kid, 'no rotation on a restart with the same key');

      await assert.rejects(new SigningKeys(store().auth, clock).load(), (e: unknown) => e instanceof SigningKeysUnreadable && /encrypted/.test(e.message));
      await assert.rejects(new SigningKeys(store().auth, clock, new KeySealer(randomBytes(32))).load(), (e: unknown) => e instanceof SigningKeysUnreadable && /do not open/.test(e.message));
    });
  });
}
