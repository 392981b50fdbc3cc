import pg from 'pg';

/**
 * Which storage engines the suites run on: SQLite always; PostgreSQL when one is reachable
 * (HANDOVER_TEST_PG, default the local server). scripts/run-tests.mjs probes once and passes
 * the verdict down in HANDOVER_TEST_PG_STATUS.
 */
export type TestEngine = 'sqlite' | 'postgres';

export const PG_ADMIN_URL = process.env.HANDOVER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function testEngines(): TestEngine[] {
  const status = process.env.HANDOVER_TEST_PG_STATUS;
  return status === 'skipped' ? ['sqlite'] : ['sqlite', 'postgres'];
}

/** Creates a fresh database for one test file; returns its URL and a dropper. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `handover_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: PG_ADMIN_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A fresh, empty database of either engine (a temp SQLite file or a new PostgreSQL database). */
export async function createTestDatabase(engine: TestEngine): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'postgres') return createPgDatabase();
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'handover-test-'));
  return { url: `sqlite:${join(dir, 'handover.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}
