import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, SigningKeys, signAccessToken } from '../../src/access/index.js';
import type { AuthRecords, GrantRecord } from '../../src/storage/index.js';
import { openStore } from '../../src/storage/index.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

const BASE = 'https://h/fhir';
const TTL = 1000;

function grantOf(id: string, expiresAt: number | null): GrantRecord {
  return {
    id, kind: 'backend', clientId: 'svc', userId: null, fhirUser: null, patientId: null, encounterId: null, scope: 'system/*.rs',
    offline: false, createdAt: 0, lastUsedAt: 0, idleExpiresAt: null, expiresAt, parentGrantId: null, parentTokenId: null,
    consentId: null, revokedAt: null, revokedReason: null,
  };
}

/**
 * The resource server trusts a checked grant for a short while. These tests pin the rules of that
 * trust: a revocation written by this process ends it at once; one written by another process
 * (simulated by records that never report it) is noticed once the trust period is over; expiry
 * is never cached past its instant.
 */
for (const engine of testEngines()) {
  describe(`token check cache [${engine}]`, () => {
    const store = useTestStore(engine);

    async function setUp(records: AuthRecords, grant: GrantRecord) {
      const clock = { at: Date.UTC(2026, 0, 1), now: () => new Date(clock.at) };
      const keys = new SigningKeys(records, clock);
      await keys.load();
      await records.insertGrant(grant);
      const { token } = await signAccessToken(keys, { issuer: BASE, audience: BASE, grant, scope: grant.scope, lifetimeSeconds: 3600, now: clock.now() });
      const authenticate = createAuthenticator({ records, keys, clock, issuer: BASE, audience: BASE, open: false, livenessCacheMs: TTL });
      const accepts = () => authenticate(`Bearer ${token}`).then(() => true, () => false);
      return { clock, accepts };
    }

    it('a revocation by this process is refused on the very next request', async () => {
      const records = store().auth;
      const { accepts } = await setUp(records, grantOf('local', null));
      assert.equal(await accepts(), true);
      await records.revokeGrant('local', Date.now(), 'test');
      assert.equal(await accepts(), false);
    });

    it("another process's revocation is noticed once the trust period is over, not before", async () => {
      const real = store().auth;
      // The same storage, but this process never hears of the revocation: as if another process wrote it.
      const elsewhere: AuthRecords = new Proxy(real, { get: (target, key) => (key === 'revocationEpoch' ? () => 0 : Reflect.get(target, key)) });
      const { clock, accepts } = await setUp(elsewhere, grantOf('remote', null));
      assert.equal(await accepts(), true);
      await real.revokeGrant('remote', Date.now(), 'test');
      clock.at += TTL - 1;
      assert.equal(await accepts(), true, 'still trusted within the period');
      clock.at += 1;
      assert.equal(await accepts(), false, 'read again after the period');
    });

    it('a grant that expires inside the trust period is refused from its expiry on', async () => {
      const records = store().auth;
      const start = Date.UTC(2026, 0, 1);
      const { clock, accepts } = await setUp(records, grantOf('expiring', start + 500));
      assert.equal(await accepts(), true);
      clock.at = start + 500;
      assert.equal(await accepts(), false);
    });

    if (engine === 'postgres') {
      it("another process's revocation ends the trust at once: PostgreSQL tells every process (NOTIFY)", async () => {
        const created = await createTestDatabase(engine);
        const writer = openStore(created.url, { sqliteSynchronous: 'normal' });
        const server = openStore(created.url, { sqliteSynchronous: 'normal' });
        try {
          await writer.migrate();
          await server.migrate();
          // The serving process's clock stands still: only the announcement can end its trust.
          const { accepts } = await setUp(server.auth, grantOf('announced', null));
          assert.equal(await accepts(), true);
          await writer.auth.revokeGrant('announced', Date.now(), 'test');
          let refused = false;
          for (let i = 0; i < 200 && !refused; i++) {
            refused = !(await accepts());
            if (!refused) await new Promise((resolve) => setTimeout(resolve, 10));
          }
          assert.ok(refused, 'refused although the trust period never ran out');
        } finally {
          await writer.close();
          await server.close();
          await created.drop();
        }
      });
    }
  });
}
