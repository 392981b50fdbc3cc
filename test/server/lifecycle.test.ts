import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { runCli, spawnServer } from '../harness/cli.js';
import { createPgDatabase, createTestDatabase, testEngines } from '../harness/engines.js';
import { freePort } from '../harness/test-server.js';

/** The real process: first start, restarts, graceful shutdown, crash durability, readiness. */
for (const engine of testEngines()) {
  describe(`server process lifecycle [${engine}]`, () => {
    let db: string;
    let cleanup: () => Promise<void>;
    before(async () => {
      const created = await createTestDatabase(engine);
      db = created.url;
      cleanup = created.drop;
    });
    after(async () => cleanup());

    const start = async (extra: string[] = []) => spawnServer(['--port', String(await freePort()), '--db', db, ...extra]);

    test('sandbox mode loads the sample data into an empty database once', async () => {
      const first = await start();
      const patient = await first.fetch(`${first.url}/fhir/Patient/example-patient`);
      assert.equal(patient.status, 200);
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
      const second = await start();
      const again = await (await second.fetch(`${second.url}/fhir/Patient/example-patient`)).json();
      assert.equal(again.meta.versionId, '1', 'not loaded a second time');
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });

    test('SIGTERM lets an in-flight request finish, then exits 0 with the write durable', async () => {
      const server = await start();
      // Get the token first, so the request below is really in flight when SIGTERM arrives.
      assert.equal((await server.fetch(`${server.url}/fhir/Basic?_count=1`)).status, 200);
      const entry = Array.from({ length: 1500 }, (_, i) => ({
        resource: { resourceType: 'Basic', code: { text: `inflight-${i}` } }, request: { method: 'POST', url: 'Basic' },
      }));
      const inFlight = server.fetch(`${server.url}/fhir`, {
        method: 'POST', headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      server.child.kill('SIGTERM');
      const response = await inFlight;
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.entry.length, 1500);
      const answeredAt = Date.now();
      assert.equal(await server.exited, 0);
      // Not held by the client's kept-alive connection (it was, for Fastify's 72 s keep-alive).
      assert.ok(Date.now() - answeredAt < 10_000, `exited ${Date.now() - answeredAt} ms after answering`);
      const restarted = await start();
      const count = await (await restarted.fetch(`${restarted.url}/fhir/Basic?_summary=count`)).json();
      assert.ok(count.total >= 1500);
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    });

    test('an acknowledged write survives kill -9', async () => {
      const server = await start();
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        const response = await server.fetch(`${server.url}/fhir/Basic`, {
          method: 'POST', headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Basic', code: { text: `durable-${i}` } }),
        });
        assert.equal(response.status, 201);
        ids.push(((await response.json()) as { id: string }).id);
      }
      server.child.kill('SIGKILL');
      await server.exited;
      const restarted = await start();
      for (const id of ids) assert.equal((await restarted.fetch(`${restarted.url}/fhir/Basic/${id}`)).status, 200, id);
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    });

    test('a second process serving the same SQLite database refuses to start, and the first keeps serving', { skip: engine !== 'sqlite' && 'PostgreSQL is served by several processes by design' }, async () => {
      const server = await start();
      try {
        const second = await runCli(['serve', '--port', String(await freePort()), '--db', db, '--sample-data', 'false'], {}, 15_000);
        assert.equal(second.code, 1);
        assert.match(second.stderr, /another Handover process is serving/);
        assert.equal((await server.fetch(`${server.url}/fhir/metadata`)).status, 200);
      } finally {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      // Killed, it holds nothing: the next start serves (the kill -9 test restarts the same way).
      const next = await start();
      assert.equal((await next.fetch(`${next.url}/readyz`)).status, 200);
      next.child.kill('SIGTERM');
      await next.exited;
    });

    test('with --key-encryption-key the signing keys are sealed: a restart without it, or with another, exits 1 and says why', async () => {
      // A database of its own: the others here start without a key-encryption key.
      const own = await createTestDatabase(engine);
      const serve = async (env: Record<string, string>) => spawnServer(['--port', String(await freePort()), '--db', own.url, '--sample-data', 'false'], env);
      try {
        const kek = randomBytes(32).toString('base64url');
        const sealed = await serve({ HANDOVER_KEY_ENCRYPTION_KEY: kek });
        assert.equal((await sealed.fetch(`${sealed.url}/fhir/metadata`)).status, 200, 'serves, with a token signed by the sealed key');
        sealed.child.kill('SIGTERM');
        await sealed.exited;
        for (const [env, why] of [[{}, /encrypted/], [{ HANDOVER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') }, /do not open/]] as const) {
          const refused = await runCli(['serve', '--port', String(await freePort()), '--db', own.url, '--sample-data', 'false'], env, 15_000);
          assert.equal(refused.code, 1, refused.stderr);
          assert.match(refused.stderr, why);
        }
        const again = await serve({ HANDOVER_KEY_ENCRYPTION_KEY: kek });
        assert.equal((await again.fetch(`${again.url}/readyz`)).status, 200);
        again.child.kill('SIGTERM');
        await again.exited;
      } finally {
        await own.drop();
      }
    });

    test('--pg-pool-size bounds the PostgreSQL connections the process opens', { skip: engine !== 'postgres' && 'PostgreSQL only' }, async () => {
      const server = await start(['--pg-pool-size', '2', '--sample-data', 'false']);
      try {
        // Enough concurrent requests to open ten connections with the default pool.
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => server.fetch(`${server.url}/fhir/Patient?name=pool${i}`)));
        assert.ok(answers.every((r) => r.status === 200));
        const admin = new pg.Client({ connectionString: db });
        await admin.connect();
        try {
          const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'handover:%'`);
          // The pool's two, and the one that listens for other processes' commits.
          assert.ok(rows[0].n <= 3, `${rows[0].n} connections`);
        } finally {
          await admin.end();
        }
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    });

    test('production mode never loads sample data', async () => {
      const empty = engine === 'sqlite' ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'handover-prod-')), 'p.db')}` : (await createPgDatabase()).url;
      const server = await spawnServer(['--port', String(await freePort()), '--db', empty, '--mode', 'production', '--operator-token', 'operator-token-for-tests-0002']);
      assert.equal((await server.fetch(`${server.url}/fhir/Patient/example-patient`)).status, 404);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    });
  });
}

if (testEngines().includes('postgres')) {
  describe('readiness [postgres]', () => {
    test('/readyz answers 503 when the database goes away, /healthz stays 200', async () => {
      const db = await createPgDatabase();
      const server = await spawnServer(['--port', String(await freePort()), '--db', db.url, '--sample-data', 'false']);
      try {
        assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
        await db.drop();
        assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    });
  });
}
