import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { namingClient, StatementNames } from '../../src/storage/postgres/prepared-statements.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createPgDatabase, testEngines } from '../harness/engines.js';

/** Statements sent often go out prepared (src/storage/postgres/prepared-statements.ts). PostgreSQL only. */
if (testEngines().includes('postgres')) {
  describe('prepared statements [postgres]', () => {
    let database: { url: string; drop(): Promise<void> };
    before(async () => {
      database = await createPgDatabase();
    });
    after(async () => database.drop());

    /** One connection, so what it prepared can be read back from it. */
    const onePool = (names: StatementNames) => new pg.Pool({ connectionString: database.url, max: 1, Client: namingClient(names) });
    const prepared = async (pool: pg.Pool) => (await pool.query('SELECT statement FROM pg_prepared_statements')).rows.map((r: { statement: string }) => r.statement);

    test('a parameterised statement seen again is prepared on the connection; one seen once, or without parameters, is not', { timeout: 20_000 }, async () => {
      const pool = onePool(new StatementNames(10));
      try {
        for (let i = 0; i < 3; i++) assert.equal((await pool.query('SELECT $1::int + 1 AS n', [i])).rows[0].n, i + 1);
        await pool.query('SELECT $1::text AS once', ['x']);
        // The promise form with a config object, as the store's executor sends it.
        const viaConfig = await pool.connect();
        try {
          for (let i = 0; i < 2; i++) assert.equal((await viaConfig.query({ text: 'SELECT $1::int * 2 AS n', values: [21] })).rows[0].n, 42);
        } finally {
          viaConfig.release();
        }
        // A config object on the pool, which hands node-postgres the callback as a third argument.
        for (let i = 0; i < 2; i++) assert.equal((await pool.query({ text: 'SELECT $1::int - 1 AS n', values: [1] })).rows[0].n, 0);
        await pool.query('SELECT 1');
        await pool.query('SELECT 1');
        assert.deepEqual((await prepared(pool)).sort(), ['SELECT $1::int * 2 AS n', 'SELECT $1::int + 1 AS n', 'SELECT $1::int - 1 AS n']);
      } finally {
        await pool.end();
      }
    });

    test('with a limit of 0 nothing is prepared', { timeout: 20_000 }, async () => {
      const pool = onePool(new StatementNames(0));
      try {
        for (let i = 0; i < 3; i++) await pool.query('SELECT $1::int + 1 AS n', [i]);
        assert.deepEqual(await prepared(pool), []);
      } finally {
        await pool.end();
      }
    });

    test('a statement whose columns changed under it (another process migrated) fails once, then runs unprepared', { timeout: 20_000 }, async () => {
      const names = new StatementNames(10);
      const pool = onePool(names);
      try {
        await pool.query('CREATE TABLE drifting (a int)');
        await pool.query('INSERT INTO drifting VALUES (1)');
        const select = () => pool.query('SELECT * FROM drifting WHERE a = $1', [1]);
        await select();
        await select();
        assert.equal((await prepared(pool)).length, 1);
        await pool.query('ALTER TABLE drifting ADD COLUMN b int DEFAULT 7');
        await assert.rejects(select(), (error: { code?: string }) => error.code === '0A000');
        assert.deepEqual((await select()).rows, [{ a: 1, b: 7 }]);
      } finally {
        await pool.end();
      }
    });

    test('the store prepares its statements, and --pg-prepared-statements 0 turns it off', { timeout: 20_000 }, async () => {
      for (const limit of [200, 0]) {
        const store = new PostgresStore(database.url, { preparedStatements: limit });
        try {
          await store.migrate();
          for (let i = 0; i < 5; i++) {
            await store.transaction((tx) => tx.writeVersion({ resourceType: 'Basic', id: `b-${limit}-${i}`, versionId: 1, lastUpdated: Date.now(), json: '{"resourceType":"Basic"}', index: null }));
            assert.ok(await store.readCurrent('Basic', `b-${limit}-${i}`));
          }
          if (limit === 0) assert.equal(store.statementNames.size, 0);
          else assert.ok(store.statementNames.size >= 2, `the write and the read are named (${store.statementNames.size})`);
        } finally {
          await store.close();
        }
      }
    });
  });
}
