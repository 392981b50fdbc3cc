import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { SearchIndex } from '../../src/model/index.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createPgDatabase, testEngines } from '../harness/engines.js';

/**
 * On PostgreSQL a transaction's version writes are held and a run of creates goes out as ONE
 * statement (postgres-transaction.ts, `postgresWriteCreates`): each resource, its history row
 * (the change log, in the order written) and every index row tied to its own rid.
 */
const indexOf = (n: number): SearchIndex => ({
  strings: [{ param: 'name', value: `Name ${n}`, normalized: `name ${n}` }, { param: 'family', value: `F${n}`, normalized: `f${n}` }],
  tokens: [{ param: 'identifier', system: 'urn:test', code: `c-${n}`, text: null }],
  references: n % 2 === 0 ? [{ param: 'organization', targetType: 'Organization', targetId: `o-${n}`, url: `Organization/o-${n}` }] : [],
  dates: [{ param: 'birthdate', low: n * 1000, high: n * 1000 + 1000 }],
  numbers: [],
  quantities: n === 3 ? [{ param: 'q', system: 'http://unitsofmeasure.org', code: 'kg', low: 1.5, high: 2.5 }] : [],
  uris: [],
});
const create = (id: string, n: number) => ({ resourceType: 'Patient', id, versionId: 1, lastUpdated: 1_700_000_000_000 + n,
  json: JSON.stringify({ resourceType: 'Patient', id, meta: { versionId: '1' } }), index: indexOf(n) });

if (testEngines().includes('postgres')) {
  describe('creates held together go out as one statement [postgres]', () => {
    let database: { url: string; drop(): Promise<void> };
    let store: PostgresStore;
    let admin: pg.Client;
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    before(async () => {
      database = await createPgDatabase();
      // Counted from here: the store's clients send through this prototype's query.
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const config = args[0] as string | { text?: string };
        sent.push(typeof config === 'string' ? config : config.text ?? '');
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      store = new PostgresStore(database.url);
      await store.migrate();
      admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
    });
    after(async () => {
      pg.Client.prototype.query = query;
      await admin.end();
      await store.close();
      await database.drop();
    });

    test('a transaction of 25 creates is one statement; every row is where it belongs', async () => {
      sent.length = 0;
      await store.transaction(async (tx) => {
        for (let n = 0; n < 25; n++) await tx.writeVersion(create(`p-${n}`, n));
      });
      assert.equal(sent.length, 1, `statements sent: ${sent.map((s) => s.slice(0, 40)).join(' | ')}`);
      const resources = (await admin.query(`SELECT rid, id FROM resources WHERE resource_type = 'Patient' ORDER BY rid`)).rows as { rid: string; id: string }[];
      assert.deepEqual(resources.map((r) => r.id), Array.from({ length: 25 }, (_, n) => `p-${n}`), 'in the order written');
      const history = (await admin.query(`SELECT id, rid FROM resource_versions WHERE resource_type = 'Patient' ORDER BY seq`)).rows as { rid: string; id: string }[];
      assert.deepEqual(history, resources.map((r) => ({ id: r.id, rid: r.rid })), 'the change log in the order written, each on its rid');
      const ridOf = new Map(resources.map((r) => [r.id, r.rid]));
      for (const n of [0, 3, 24]) {
        const rid = ridOf.get(`p-${n}`);
        const strings = (await admin.query('SELECT param, value FROM sp_string WHERE rid = $1 ORDER BY param', [rid])).rows;
        assert.deepEqual(strings, [{ param: 'family', value: `F${n}` }, { param: 'name', value: `Name ${n}` }]);
        assert.deepEqual((await admin.query('SELECT code FROM sp_token WHERE rid = $1', [rid])).rows, [{ code: `c-${n}` }]);
        assert.deepEqual((await admin.query('SELECT target_id FROM sp_reference WHERE rid = $1', [rid])).rows, n % 2 === 0 ? [{ target_id: `o-${n}` }] : []);
        assert.deepEqual((await admin.query('SELECT low FROM sp_date WHERE rid = $1', [rid])).rows, [{ low: n * 1000 }]);
        assert.equal((await admin.query('SELECT 1 FROM sp_quantity WHERE rid = $1', [rid])).rowCount, n === 3 ? 1 : 0);
      }
      assert.equal((await admin.query('SELECT 1 FROM sp_string')).rowCount, 50, 'no index row twice');
      assert.deepEqual(await store.readCurrent('Patient', 'p-24'), { resourceType: 'Patient', id: 'p-24', versionId: 1, lastUpdated: 1_700_000_000_024, deleted: false, json: create('p-24', 24).json });
    });

    test('creates around an update go out in order, the update on its own', async () => {
      sent.length = 0;
      await store.transaction(async (tx) => {
        await tx.writeVersion(create('m-1', 1));
        await tx.writeVersion(create('m-2', 2));
        await tx.writeVersion({ ...create('p-0', 0), versionId: 2, lastUpdated: 1_800_000_000_000 });
        await tx.writeVersion(create('m-3', 3));
      });
      assert.equal(sent.filter((s) => s.startsWith('WITH')).length, 3, 'two creates together, the update, the last create');
      assert.equal((await store.readCurrent('Patient', 'p-0'))?.versionId, 2);
      const order = (await admin.query(`SELECT id, version_id FROM resource_versions WHERE id IN ('m-1', 'm-2', 'p-0', 'm-3') ORDER BY seq`)).rows;
      assert.deepEqual(order, [{ id: 'p-0', version_id: 1 }, { id: 'm-1', version_id: 1 }, { id: 'm-2', version_id: 1 }, { id: 'p-0', version_id: 2 }, { id: 'm-3', version_id: 1 }]);
    });

    test('a create that collides fails the whole transaction; nothing of it is stored', async () => {
      await assert.rejects(store.transaction(async (tx) => {
        await tx.writeVersion(create('x-1', 1));
        await tx.writeVersion(create('p-1', 1)); // exists since the first test
        await tx.writeVersion(create('x-2', 2));
      }));
      assert.equal(await store.readCurrent('Patient', 'x-1'), undefined);
      assert.equal(await store.readCurrent('Patient', 'x-2'), undefined);
      assert.equal((await admin.query(`SELECT 1 FROM sp_string s JOIN resources r USING (rid) WHERE r.id IN ('x-1', 'x-2')`)).rowCount, 0);
    });

    test('a read in the transaction sees the creates held before it', async () => {
      const seen = await store.transaction(async (tx) => {
        await tx.writeVersion(create('r-1', 1));
        await tx.writeVersion(create('r-2', 2));
        return (await tx.readCurrentsForUpdate([{ resourceType: 'Patient', id: 'r-1' }, { resourceType: 'Patient', id: 'r-2' }, { resourceType: 'Patient', id: 'none' }]))
          .map((v) => v.id).sort();
      });
      assert.deepEqual(seen, ['r-1', 'r-2']);
    });
  });
}
