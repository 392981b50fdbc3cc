import type { SqlExecutor } from '../sql/sql-executor.js';

/**
 * What the shared record SQL needs from an engine: somewhere to read, and a way to run a few
 * statements as one atomic unit (on SQLite through the single writer's group commit, on
 * PostgreSQL in a transaction on one client).
 */
export interface RecordDb {
  read: SqlExecutor;
  atomically<T>(work: (db: SqlExecutor) => Promise<T>): Promise<T>;
}
