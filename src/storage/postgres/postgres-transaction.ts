import type pg from 'pg';
import type { SqlExecutor } from '../sql/sql-executor.js';
import type { StoreTransaction, VersionWrite } from '../store.js';
import { readCurrent, readHistory, readVersion } from '../sql/sql-reads.js';
import { runSearch } from '../sql/run-search.js';
import { grantIdsOfConsent } from '../consent/consent-sql.js';
import { normalizePostgresError, postgresExecutor } from './postgres-executor.js';
import { postgresWriteVersion } from './postgres-write-version.js';

/**
 * A store transaction on PostgreSQL that opens only when it needs to. A plain create — the most
 * common write — is one version write and nothing else, and one statement is a transaction by
 * itself: it runs alone on the pool, one round trip instead of BEGIN, the write and COMMIT (on a
 * loaded 2-core machine each round trip is a wake-up of the backend and of this process).
 *
 * So the first statement of `work`, when it is a version write, is held back: `work` continues
 * (the write returns nothing it needs), and either ends — then the write runs alone — or issues
 * another statement — then BEGIN, the held write and that statement run in order on one client,
 * exactly as if nothing had been held. A failure of a held write surfaces where it runs: at the
 * next statement, or as the transaction's failure. `work` may also run record statements (`db`)
 * in the same transaction; they open it like any other statement.
 */
export async function postgresTransaction<T>(pool: pg.Pool, work: (tx: StoreTransaction, db: SqlExecutor) => Promise<T>): Promise<T> {
  let client: pg.PoolClient | undefined;
  let held: VersionWrite | undefined;
  let opening: Promise<pg.PoolClient> | undefined;
  /** The transaction's client, BEGIN sent and any held write run: where every statement but a lone write goes. */
  const open = async (): Promise<pg.PoolClient> => {
    opening ??= (async () => {
      try {
        client = await pool.connect();
      } catch (error) {
        throw normalizePostgresError(error);
      }
      await client.query('BEGIN').catch((error: unknown) => { throw normalizePostgresError(error); });
      return client;
    })();
    const opened = await opening;
    if (held) {
      const write = held;
      held = undefined;
      await postgresWriteVersion(opened, write);
    }
    return opened;
  };
  const executor = async () => postgresExecutor(await open());
  const db: SqlExecutor = { query: async (statement) => (await executor()).query(statement) };
  const tx: StoreTransaction = {
    readCurrent: async (type, id) => readCurrent(await executor(), type, id),
    readVersion: async (type, id, vid) => readVersion(await executor(), type, id, vid),
    history: async (query) => readHistory(await executor(), query),
    search: async (request) => runSearch(await executor(), request),
    readCurrentForUpdate: async (type, id) => readCurrent(await executor(), type, id, true),
    writeVersion: async (write) => {
      if (opening === undefined && held === undefined) {
        held = write;
        return;
      }
      await postgresWriteVersion(await open(), write);
    },
    // A transaction-scoped advisory lock on the key's 64-bit hash: released by COMMIT or ROLLBACK.
    serializeOn: async (key) => {
      await (await open()).query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]).catch((error: unknown) => { throw normalizePostgresError(error); });
    },
    grantIdsOfConsent: (consentId) => grantIdsOfConsent(db, consentId),
  };
  try {
    const result = await work(tx, db);
    if (opening === undefined) {
      if (held) await postgresWriteVersion(pool, held);
      return result;
    }
    await (await open()).query('COMMIT');
    return result;
  } catch (error) {
    if (client) await client.query('ROLLBACK').catch(() => undefined);
    throw normalizePostgresError(error);
  } finally {
    client?.release();
  }
}
