import type pg from 'pg';
import type { Row, SqlExecutor } from '../sql/sql-executor.js';
import { numberPlaceholders, type Sql } from '../sql/sql-fragment.js';
import { StorageBusy, StorageConflict, StorageError } from '../storage-errors.js';

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** Runs shared SQL on a pool (autocommit) or on one client (inside a transaction). */
export function postgresExecutor(db: Queryable): SqlExecutor {
  const run = async (statement: Sql): Promise<Row[]> => {
    try {
      const result = await db.query({ text: numberPlaceholders(statement.text), values: statement.params });
      return result.rows as Row[];
    } catch (error) {
      throw normalizePostgresError(error);
    }
  };
  return {
    query: run,
  };
}

const BUSY_CODES = new Set(['40001', '40P01', '53300', '57P01', '57P03', '08006', '08001', 'ECONNREFUSED', 'ECONNRESET']);

const POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

export function normalizePostgresError(error: unknown): Error {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === '23505') return new StorageConflict(message);
  if (BUSY_CODES.has(code)) return new StorageBusy(message);
  // pg-pool's own error when no connection came free within connectionTimeoutMillis (it has no code).
  if (message === POOL_TIMEOUT_MESSAGE) return new StorageBusy('no database connection came free in time');
  return error instanceof Error ? error : new StorageError(String(error));
}
