import type { VersionWrite } from '../store.js';
import { INDEX_TABLES, indexRows, type IndexKind } from './index-tables.js';
import type { SqlExecutor } from './sql-executor.js';
import { join, raw, sql } from './sql-fragment.js';

/**
 * Writes one resource version: the current row, the history row (which is the change-log entry)
 * and the search index, all through the caller's transaction.
 */
export async function writeVersion(db: SqlExecutor, write: VersionWrite): Promise<void> {
  const deleted = write.json === null ? 1 : 0;
  // Version 1 is a new resource: no lookup (a racing create fails on the unique key instead).
  const existing = write.versionId === 1 ? [] : await db.query(sql`SELECT rid FROM resources WHERE resource_type = ${write.resourceType} AND id = ${write.id}`);
  let rid: number;
  if (existing[0]) {
    rid = Number(existing[0].rid);
    await db.execute(sql`UPDATE resources SET version_id = ${write.versionId}, last_updated = ${write.lastUpdated},
      deleted = ${deleted}, content = ${write.json} WHERE rid = ${rid}`);
    await db.execute(sql`UPDATE resource_versions SET superseded_at = ${write.lastUpdated}
      WHERE rid = ${rid} AND version_id = ${write.versionId - 1}`);
    await deleteIndex(db, rid);
  } else {
    rid = await db.insertReturningId(sql`INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content)
      VALUES (${write.resourceType}, ${write.id}, ${write.versionId}, ${write.lastUpdated}, ${deleted}, ${write.json}) RETURNING rid`);
  }
  await db.execute(sql`INSERT INTO resource_versions (rid, resource_type, id, version_id, last_updated, deleted, content)
    VALUES (${rid}, ${write.resourceType}, ${write.id}, ${write.versionId}, ${write.lastUpdated}, ${deleted}, ${write.json})`);
  if (write.index && !deleted) await insertIndex(db, rid, write.resourceType, write);
}

async function deleteIndex(db: SqlExecutor, rid: number): Promise<void> {
  for (const { table } of Object.values(INDEX_TABLES)) {
    await db.execute(sql`DELETE FROM ${raw(table)} WHERE rid = ${rid}`);
  }
}

/** One multi-row INSERT per index table: a Condition has ~30 index rows. */
async function insertIndex(db: SqlExecutor, rid: number, resourceType: string, write: VersionWrite): Promise<void> {
  for (const kind of Object.keys(INDEX_TABLES) as IndexKind[]) {
    const rows = indexRows(write.index!, kind);
    if (rows.length === 0) continue;
    const { table, columns } = INDEX_TABLES[kind];
    const values = rows.map((row) => sql`(${rid}, ${resourceType}, ${row.param}, ${join(row.values.map((v) => sql`${v}`), ', ')})`);
    await db.execute(sql`INSERT INTO ${raw(table)} (rid, resource_type, param, ${raw(columns.join(', '))}) VALUES ${join(values, ', ')}`);
  }
}
