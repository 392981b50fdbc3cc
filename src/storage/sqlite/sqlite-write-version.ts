import type Database from 'better-sqlite3';
import type { VersionWrite } from '../store.js';
import { INDEX_TABLES, indexRows, type IndexKind } from '../sql/index-tables.js';
import { guard } from './sqlite-executor.js';

/**
 * The SQLite write of one version with statements prepared once per connection and run
 * synchronously. Raw inserts cost ~100 µs per resource here; building SQL text per write (the
 * shared path) doubled that, and writes are what the sample load and creates wait on.
 */
export function sqliteVersionWriter(db: Database.Database): (write: VersionWrite) => void {
  const findRid = db.prepare('SELECT rid FROM resources WHERE resource_type = ? AND id = ?').pluck();
  const insertCurrent = db.prepare('INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)');
  const updateCurrent = db.prepare('UPDATE resources SET version_id = ?, last_updated = ?, deleted = ?, content = ? WHERE rid = ?');
  const supersede = db.prepare('UPDATE resource_versions SET superseded_at = ? WHERE rid = ? AND version_id = ?');
  const insertVersion = db.prepare('INSERT INTO resource_versions (rid, resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const kinds = Object.keys(INDEX_TABLES) as IndexKind[];
  const deleteIndex = kinds.map((kind) => db.prepare(`DELETE FROM ${INDEX_TABLES[kind].table} WHERE rid = ?`));
  const insertIndex = Object.fromEntries(kinds.map((kind) => {
    const { table, columns } = INDEX_TABLES[kind];
    const placeholders = columns.map(() => '?').join(', ');
    return [kind, db.prepare(`INSERT INTO ${table} (rid, resource_type, param, ${columns.join(', ')}) VALUES (?, ?, ?, ${placeholders})`)];
  })) as Record<IndexKind, Database.Statement>;

  return (write) => guard(() => {
    const deleted = write.json === null ? 1 : 0;
    // Version 1 is a new resource: no lookup (a racing create fails on the unique key instead).
    const existing = write.versionId === 1 ? undefined : findRid.get(write.resourceType, write.id) as number | bigint | undefined;
    let rid: number | bigint;
    if (existing !== undefined) {
      rid = existing;
      updateCurrent.run(write.versionId, write.lastUpdated, deleted, write.json, rid);
      supersede.run(write.lastUpdated, rid, write.versionId - 1);
      for (const statement of deleteIndex) statement.run(rid);
    } else {
      rid = insertCurrent.run(write.resourceType, write.id, write.versionId, write.lastUpdated, deleted, write.json).lastInsertRowid;
    }
    insertVersion.run(rid, write.resourceType, write.id, write.versionId, write.lastUpdated, deleted, write.json);
    if (!write.index || deleted) return;
    for (const kind of kinds) {
      const statement = insertIndex[kind];
      for (const row of indexRows(write.index, kind)) statement.run(rid, write.resourceType, row.param, ...row.values);
    }
  });
}
