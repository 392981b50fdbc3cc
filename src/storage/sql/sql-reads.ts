import type { HistoryQuery, Page, ResourceVersion, VersionKey } from '../store.js';
import { StorageBadQuery } from '../storage-errors.js';
import type { SqlExecutor } from './sql-executor.js';
import { all, any, raw, sql, type Sql } from './sql-fragment.js';
import { toVersion, VERSION_COLUMNS } from './version-rows.js';

/** Reads shared by both engines: the SQL is the same, only the executor differs. */
export async function readCurrent(db: SqlExecutor, resourceType: string, id: string, forUpdate = false): Promise<ResourceVersion | undefined> {
  const lock = forUpdate ? raw(' FOR UPDATE') : raw('');
  const rows = await db.query(sql`SELECT ${raw(VERSION_COLUMNS)} FROM resources WHERE resource_type = ${resourceType} AND id = ${id}${lock}`);
  return rows[0] ? toVersion(rows[0]) : undefined;
}

export async function readVersion(db: SqlExecutor, resourceType: string, id: string, versionId: number): Promise<ResourceVersion | undefined> {
  const rows = await db.query(sql`SELECT ${raw(VERSION_COLUMNS)} FROM resource_versions
    WHERE resource_type = ${resourceType} AND id = ${id} AND version_id = ${versionId}`);
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** Keys per statement: a bound on its parameters (SQLite allows 32,766) and on its plan's size. */
const VERSIONS_PER_STATEMENT = 300;

/** The versions that exist among `keys`, in no particular order; each probe is a unique-index lookup. */
export async function readVersions(db: SqlExecutor, keys: readonly VersionKey[]): Promise<ResourceVersion[]> {
  const found: ResourceVersion[] = [];
  for (let i = 0; i < keys.length; i += VERSIONS_PER_STATEMENT) {
    const probes = keys.slice(i, i + VERSIONS_PER_STATEMENT)
      .map((k) => sql`(resource_type = ${k.resourceType} AND id = ${k.id} AND version_id = ${k.versionId})`);
    found.push(...(await db.query(sql`SELECT ${raw(VERSION_COLUMNS)} FROM resource_versions WHERE ${any(probes)}`)).map(toVersion));
  }
  return found;
}

/**
 * The current versions that exist among `keys` (tombstones included), in no particular order;
 * `forUpdate` (PostgreSQL) also holds their rows against concurrent writers until the transaction ends.
 */
export async function readCurrents(db: SqlExecutor, keys: readonly { resourceType: string; id: string }[], forUpdate = false): Promise<ResourceVersion[]> {
  const found: ResourceVersion[] = [];
  const lock = forUpdate ? raw(' FOR UPDATE') : raw('');
  for (let i = 0; i < keys.length; i += VERSIONS_PER_STATEMENT) {
    const probes = keys.slice(i, i + VERSIONS_PER_STATEMENT).map((k) => sql`(resource_type = ${k.resourceType} AND id = ${k.id})`);
    found.push(...(await db.query(sql`SELECT ${raw(VERSION_COLUMNS)} FROM resources WHERE ${any(probes)}${lock}`)).map(toVersion));
  }
  return found;
}

/** Newest first; the cursor is the last seq seen, so pages stay stable while writes continue. */
export async function readHistory(db: SqlExecutor, query: HistoryQuery): Promise<Page<ResourceVersion>> {
  const where: Sql[] = [];
  if (query.resourceType) where.push(sql`resource_type = ${query.resourceType}`);
  if (query.id) where.push(sql`id = ${query.id}`);
  if (query.since !== undefined) where.push(sql`last_updated >= ${query.since}`);
  if (query.at) where.push(sql`last_updated < ${query.at.high} AND (superseded_at IS NULL OR superseded_at > ${query.at.low})`);
  if (query.cursor !== undefined) {
    const seq = Number(query.cursor);
    if (!Number.isSafeInteger(seq)) throw new StorageBadQuery('invalid history cursor');
    where.push(sql`seq < ${seq}`);
  }
  const rows = await db.query(sql`SELECT seq, ${raw(VERSION_COLUMNS)} FROM resource_versions
    WHERE ${all(where)} ORDER BY seq DESC LIMIT ${query.count + 1}`);
  const page = rows.slice(0, query.count);
  const last = page[page.length - 1];
  return { items: page.map(toVersion), next: rows.length > query.count && last ? String(last.seq) : undefined };
}
