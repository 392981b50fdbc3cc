import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/storage/index.js';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/postgres-migrations.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite/sqlite-migrations.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';

/**
 * Migration 9 rebuilds the disclosures table (consent-schema.ts): rows recorded by the earlier
 * layout must come through in their state — waiting, claimed by a writer that died, materialized.
 */
for (const engine of testEngines()) {
  describe(`disclosure rows across migration 9 [${engine}]`, () => {
    const drops: (() => Promise<void>)[] = [];
    after(async () => { for (const drop of drops) await drop(); });

    /** A database migrated up to 8 only, holding three disclosure rows of the old layout. */
    async function databaseAtVersion8(): Promise<string> {
      const created = await createTestDatabase(engine);
      drops.push(created.drop);
      const rows = [
        `('waiting', 1000, 'g1', 'c1', NULL, 'read', '{}', '["Patient/p1"]', NULL, NULL, NULL)`,
        `('stale', 900, 'g1', 'c1', NULL, 'read', '{}', '["Patient/p1"]', 'dead-batch', 950, NULL)`,
        `('done', 800, 'g1', 'c1', NULL, 'read', '{}', '["Patient/p1"]', 'old-batch', 850, 870)`,
      ];
      const insert = `INSERT INTO disclosures (id, recorded_at, grant_id, client_id, consent_id, kind, detail, resources, batch_id, claimed_at, materialized_at) VALUES ${rows.join(', ')}`;
      if (engine === 'sqlite') {
        const db = new Database(created.url.replace(/^sqlite:/, ''));
        db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
        for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= 8)) {
          db.exec(migration.sql);
          db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, new Date().toISOString());
        }
        db.exec(insert);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: created.url });
        await client.connect();
        await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version <= 8)) {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
        }
        await client.query(insert);
        await client.end();
      }
      return created.url;
    }

    test('a dead writer\'s batch is taken over under its own id, then the waiting row; the materialized row is pruned, not taken', async () => {
      const store = openStore(await databaseAtVersion8(), { sqliteSynchronous: 'normal', poolSize: 2 });
      try {
        await store.migrate();
        const seen: [string, string[]][] = [];
        const take = (batchId: string) => store.consent.materializeDisclosures(batchId, 10, 2000, 1500, { prepare: async () => undefined, write: async (batch) => {
          seen.push([batch.batchId, batch.records.map((r) => r.id)]);
          if (batch.batchId === 'new-2') assert.deepEqual(batch.records.map((r) => [r.id, r.recordedAt, r.grantId, r.resources]), [['waiting', 1000, 'g1', '["Patient/p1"]']]);
        } });
        assert.deepEqual(await take('new-1'), { batchId: 'dead-batch', taken: 1 });
        assert.deepEqual(await take('new-2'), { batchId: 'new-2', taken: 1 });
        assert.deepEqual(await take('new-3'), { batchId: 'new-3', taken: 0 }, 'nothing else to take');
        assert.deepEqual(seen, [['dead-batch', ['stale']], ['new-2', ['waiting']]]);
        assert.deepEqual(await store.consent.pendingDisclosures(10), []);
        assert.equal(await store.consent.pruneMaterialized(1000), 1, 'the row materialized at 870 is pruned');
      } finally {
        await store.close();
      }
    });
  });
}
