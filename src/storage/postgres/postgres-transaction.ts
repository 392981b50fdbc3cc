import type pg from 'pg';
import type { SqlExecutor } from '../sql/sql-executor.js';
import type { StoreTransaction, VersionWrite } from '../store.js';
import { readCurrent, readCurrents, readHistory, readVersion } from '../sql/sql-reads.js';
import { runSearch } from '../sql/run-search.js';
import { grantIdsOfConsent } from '../consent/consent-sql.js';
import { normalizePostgresError, postgresExecutor } from './postgres-executor.js';
import { isCreate, postgresWriteCreates, postgresWriteVersion } from './postgres-write-version.js';

/**
 * A store transaction on PostgreSQL that opens only when it needs to, and sends version writes in
 * as few round trips as it can. A plain create — the most common write — is one version write and
 * nothing else, and one statement is a transaction by itself: it runs alone on the pool, one round
 * trip instead of BEGIN, the write and COMMIT (on a loaded 2-core machine each round trip is a
 * wake-up of the backend and of this process).
 *
 * So version writes are held back: `work` continues (a write returns nothing it needs) and the
 * held writes go out when `work` issues any other statement, or ends — in order, exactly as if
 * nothing had been held. Creates held together go out as one statement (`postgresWriteCreates`):
 * a transaction that writes many resources (a Bundle, the disclosure log's AuditEvents) holds its
 * transaction id — which the change log's readers wait for — for one round trip, not one each.
 * Held writes with nothing opened before them and nothing after run alone on the pool when they
 * are one statement; otherwise BEGIN comes first. A failure of a held write surfaces where it
 * runs: at the next statement, or as the transaction's failure. `work` may also run record
 * statements (`db`) in the same transaction; they open it like any other statement.
 */
export async function postgresTransaction<T>(pool: pg.Pool, work: (tx: StoreTransaction, db: SqlExecutor) => Promise<T>, wrote: () => void = () => undefined): Promise<T> {
  let client: pg.PoolClient | undefined;
  let held: VersionWrite[] = [];
  let opening: Promise<pg.PoolClient> | undefined;
  /** The transaction's client, BEGIN sent and any held writes run: where every statement but lone writes goes. */
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
    if (held.length > 0) {
      const writes = held;
      held = [];
      await writeHeld(opened, writes);
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
    readCurrentsForUpdate: async (keys) => readCurrents(await executor(), keys, true),
    writeVersion: async (write) => {
      held.push(write);
      wrote();
    },
    // A transaction-scoped advisory lock on the key's 64-bit hash: released by COMMIT or ROLLBACK.
    serializeOn: async (key) => {
      await (await open()).query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]).catch((error: unknown) => { throw normalizePostgresError(error); });
    },
    grantIdsOfConsent: (consentId) => grantIdsOfConsent(db, consentId),
  };
  try {
    const result = await work(tx, db);
    if (opening === undefined && (held.length === 1 || held.length > 1 && held.every(isCreate))) {
      await writeHeld(pool, held);
      return result;
    }
    if (opening === undefined && held.length === 0) return result;
    await (await open()).query('COMMIT');
    return result;
  } catch (error) {
    if (client) await client.query('ROLLBACK').catch(() => undefined);
    throw normalizePostgresError(error);
  } finally {
    client?.release();
  }
}

/** Held writes in order: runs of two or more creates as one statement each, the rest one by one. */
async function writeHeld(db: Pick<pg.PoolClient, 'query'>, writes: readonly VersionWrite[]): Promise<void> {
  for (let i = 0; i < writes.length;) {
    let end = i;
    while (end < writes.length && isCreate(writes[end]!)) end++;
    if (end - i >= 2) {
      await postgresWriteCreates(db, writes.slice(i, end));
      i = end;
    } else {
      await postgresWriteVersion(db, writes[i]!);
      i++;
    }
  }
}
