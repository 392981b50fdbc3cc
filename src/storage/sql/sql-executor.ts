import type { Sql } from './sql-fragment.js';

export type Row = Record<string, unknown>;

/**
 * What the shared SQL code needs from an engine: run a statement and get rows back. Inside a
 * transaction the executor is bound to that transaction's connection.
 */
export interface SqlExecutor {
  query(statement: Sql): Promise<Row[]>;
}
