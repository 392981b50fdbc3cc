import type { Row, SqlExecutor } from '../sql/sql-executor.js';
import type { Sql } from '../sql/sql-fragment.js';
import type { StoreTransaction } from '../resource-store.js';

/**
 * What the shared record SQL needs from an engine: somewhere to read, and a way to run a few
 * statements as one atomic unit (on SQLite through the single writer's group commit, on
 * PostgreSQL in a transaction on one client).
 */
export interface RecordDb {
  read: SqlExecutor;
  atomically<T>(work: (db: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * One write statement, atomic by itself. On PostgreSQL it runs straight on the pool (a statement
   * is its own transaction): one round trip instead of three with BEGIN and COMMIT. On SQLite it
   * joins the writer's group commit like `atomically`.
   */
  once(statement: Sql): Promise<Row[]>;
  /**
   * A unit whose record statements and FHIR resource writes commit together: `db` runs the
   * records' SQL and `resources` writes through the store's version path, in one transaction.
   */
  withResources<T>(work: (db: SqlExecutor, resources: StoreTransaction) => Promise<T>): Promise<T>;
}
