import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  sqliteSynchronous: 'normal' | 'full';
  poolSize?: number;
  /** PostgreSQL: how long a statement waits for a free pooled connection before failing busy (ms). */
  poolWaitMs?: number;
  /** PostgreSQL: statements each connection keeps prepared (0: none, e.g. behind a transaction-mode pooler). */
  preparedStatements?: number;
}

/** `sqlite:<path>` or `postgres://…`; the only place that knows the engines exist. */
export function openStore(url: string, options: OpenStoreOptions): Store {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length), { synchronous: options.sqliteSynchronous });
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return new PostgresStore(url, options);
  throw new Error(`unsupported database URL: ${url}`);
}
