import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriptionStandings } from '../../src/access/index.js';
import type { AuthRecords, GrantRecord } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

const T0 = Date.UTC(2026, 0, 1);
const grantRecord = (id: string, expiresAt: number | null = null): GrantRecord => ({
  id, kind: 'user', clientId: 'app', userId: 'u', fhirUser: null, patientId: 'p1', encounterId: null, scope: 'patient/Condition.rs',
  offline: false, createdAt: T0, lastUsedAt: T0, idleExpiresAt: null, expiresAt, parentGrantId: null, parentTokenId: null,
  consentId: null, revokedAt: null, revokedReason: null,
});

/** The auth records with the grant reads counted. */
function counted(records: AuthRecords): { records: AuthRecords; reads: () => number } {
  let reads = 0;
  const wrapped = Object.create(records) as AuthRecords;
  wrapped.getGrant = (id) => { reads++; return records.getGrant(id); };
  return { records: wrapped, reads: () => reads };
}

/**
 * Issue 4 b: a delivery round judges its grant at its start and right before its send. The
 * standing is trusted as a bearer token's is — for `trustMs`, unless this process learned of a
 * revocation since, and never past the grant's own end.
 */
for (const engine of testEngines()) {
  describe(`subscription standings [${engine}]`, () => {
    const store = useTestStore(engine);

    it('are read once and trusted until a revocation here, the trust window or the grant\'s end, whichever comes first', async () => {
      await store().auth.insertGrant(grantRecord('g1', T0 + 60_000));
      const { records, reads } = counted(store().auth);
      const standings = new SubscriptionStandings(records, 1000);
      const first = await standings.of('g1', T0);
      assert.equal(first.authority.alive, true);
      assert.equal(first.patientId, 'p1');
      assert.equal(reads(), 1);
      assert.equal((await standings.of('g1', T0 + 500)).authority.alive, true);
      assert.equal(reads(), 1, 'trusted within the window');
      assert.equal((await standings.of('g1', T0 + 1000)).authority.alive, true);
      assert.equal(reads(), 2, 'read again once the window passed');

      // A revocation through the records (this process) is seen at the very next judgement.
      await store().auth.revokeGrant('g1', T0 + 1100, 'test');
      const revoked = await standings.of('g1', T0 + 1200);
      assert.equal(revoked.authority.alive, false);
      assert.equal(reads(), 3);
    });

    it('never trust a grant past its own end, and with a window of 0 read every time', async () => {
      await store().auth.insertGrant(grantRecord('g2', T0 + 300));
      const standings = new SubscriptionStandings(store().auth, 10_000);
      assert.equal((await standings.of('g2', T0)).authority.alive, true);
      const ended = (await standings.of('g2', T0 + 300)).authority;
      assert.equal(ended.alive, false);
      assert.match(ended.alive ? '' : ended.reason, /expired/);

      await store().auth.insertGrant(grantRecord('g3'));
      const { records, reads } = counted(store().auth);
      const always = new SubscriptionStandings(records, 0);
      await always.of('g3', T0);
      await always.of('g3', T0);
      assert.equal(reads(), 2);
      assert.equal((await always.of('no-such-grant', T0)).authority.alive, false);
    });
  });
}
