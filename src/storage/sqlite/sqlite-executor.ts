import type Database from 'better-sqlite3';
import type { Row, SqlExecutor } from '../sql/sql-executor.js';
import type { Sql } from '../sql/sql-fragment.js';
import { StorageBusy, StorageConflict, StorageError } from '../storage-errors.js';

/**
 * better-sqlite3 is synchronous; the executor keeps the async interface the shared SQL code uses
 * and caches prepared statements by text (search SQL repeats with different parameters).
 */
export function sqliteExecutor(db: Database.Database, beforeStatement?: () => void): SqlExecutor {
  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      if (statements.size > 2000) statements.clear();
      statements.set(text, statement);
    }
    return statement;
  };
  return {
    query: async (statement: Sql) => guard(() => {
      beforeStatement?.();
      const prepared = prepare(statement.text);
      const params = statement.params.map(bindable);
      // Statements without a result (INSERT without RETURNING…) must be run(), not all().
      if (!prepared.reader) {
        prepared.run(...params);
        return [];
      }
      return prepared.all(...params) as Row[];
    }),
  };
}

function bindable(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

export function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw normalizeSqliteError(error);
  }
}

export function normalizeSqliteError(error: unknown): Error {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code.startsWith('SQLITE_CONSTRAINT')) return new StorageConflict(message);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new StorageBusy(message);
  if (error instanceof StorageError) return error;
  return error instanceof Error ? error : new StorageError(String(error));
}
