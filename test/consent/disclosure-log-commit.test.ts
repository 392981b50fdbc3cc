import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createLogger, systemClock } from '../../src/base/index.js';
import { DisclosureLog } from '../../src/consent/disclosure-log.js';
import type { Resource } from '../../src/model/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';

/**
 * A materialization that committed AuditEvents says so (`onCommitted`): the server wakes the
 * subscription matcher with it, which on PostgreSQL may have found changes waiting behind that
 * transaction (ADR 0001) and would otherwise look again only after backing off.
 */
for (const engine of testEngines()) {
  describe(`the disclosure log announces its commits [${engine}]`, () => {
    const testStore = useTestStore(engine);

    test('once per batch that committed; never when nothing was pending', async () => {
      const store = testStore();
      let commits = 0;
      const log = new DisclosureLog({
        store, clock: systemClock, log: createLogger('silent'), fhirBase: 'http://localhost/fhir', onCommitted: () => commits++,
        writeResources: async (resources: Resource[], tx) => {
          for (const r of resources) await tx!.writeVersion({ resourceType: r.resourceType, id: r.id!, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify(r), index: null });
        },
      });
      await log.materialize();
      assert.equal(commits, 0, 'nothing was pending');
      const grantId = `grant-${randomUUID()}`;
      await store.consent.recordDisclosures(['a', 'b'].map((id) => ({ id: `${id}-${randomUUID()}`, recordedAt: Date.now(), grantId, clientId: 'client', consentId: null,
        kind: 'read', detail: '{}', resources: '["Patient/p1"]', materializedAt: null })));
      assert.equal(await log.materialize(), 2);
      assert.equal(commits, 1);
      assert.deepEqual((await store.consent.pendingDisclosures(10)).filter((d) => d.grantId === grantId), [], 'both became AuditEvents');
      await log.materialize();
      assert.equal(commits, 1, 'nothing new');
    });
  });
}
