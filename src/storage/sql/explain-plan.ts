import type { SqlExecutor } from './sql-executor.js';
import { sql, type Sql } from './sql-fragment.js';

/**
 * The query plan of a statement as text lines, in each engine's own words: SQLite's
 * `EXPLAIN QUERY PLAN` rows (indented by their parent) or PostgreSQL's `EXPLAIN` output without
 * cost estimates, which change with every ANALYZE and would hide the shape of the plan.
 */
export async function explainSqlite(db: SqlExecutor, statement: Sql): Promise<string[]> {
  const rows = await db.query(sql`EXPLAIN QUERY PLAN ${statement}`);
  const depth = new Map<number, number>();
  return rows.map((row) => {
    const level = (depth.get(Number(row.parent)) ?? -1) + 1;
    depth.set(Number(row.id), level);
    return `${'  '.repeat(level)}${String(row.detail)}`;
  });
}

export async function explainPostgres(db: SqlExecutor, statement: Sql): Promise<string[]> {
  const rows = await db.query(sql`EXPLAIN (COSTS OFF) ${statement}`);
  return rows.map((row) => String(row['QUERY PLAN']));
}
