import type pg from 'pg';
import type { SearchIndex } from '../../model/index.js';
import type { VersionWrite } from '../store.js';
import { INDEX_TABLES, indexRows, type IndexKind } from '../sql/index-tables.js';
import { StorageConflict } from '../storage-errors.js';
import { normalizePostgresError } from './postgres-executor.js';

/** Array types of each index table's value columns, for `unnest($n::type[])`. */
const COLUMN_TYPES: Record<IndexKind, string[]> = {
  strings: ['text', 'text'],
  tokens: ['text', 'text', 'text'],
  references: ['text', 'text', 'text'],
  dates: ['float8', 'float8'],
  numbers: ['float8', 'float8'],
  quantities: ['text', 'text', 'float8', 'float8'],
  uris: ['text'],
};

/**
 * The PostgreSQL write of one version in ONE statement: the current row, the history row, the
 * old index rows' removal and the new index rows, as data-modifying CTEs. The shared path would
 * take ~10 round trips; on a network database the round trips, not the work, are the cost.
 * All CTEs see the same snapshot, so the DELETEs only ever see the previous version's rows.
 */
export async function postgresWriteVersion(client: Pick<pg.PoolClient, 'query'>, write: VersionWrite): Promise<void> {
  const { params, p } = parameters();
  const deleted = write.json === null ? 1 : 0;
  const type = p(write.resourceType);
  const id = p(write.id);
  const versionId = p(write.versionId, '::int');
  const lastUpdated = p(write.lastUpdated, '::bigint');
  const content = p(write.json, '::text');
  const ctes: string[] = [];
  if (write.versionId === 1) {
    ctes.push(`r AS (INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content)
      VALUES (${type}, ${id}, ${versionId}, ${lastUpdated}, ${deleted}, ${content}) RETURNING rid)`);
  } else {
    ctes.push(`r AS (UPDATE resources SET version_id = ${versionId}, last_updated = ${lastUpdated}, deleted = ${deleted}, content = ${content}
      WHERE resource_type = ${type} AND id = ${id} RETURNING rid)`);
    ctes.push(`superseded AS (UPDATE resource_versions SET superseded_at = ${lastUpdated}
      WHERE rid = (SELECT rid FROM r) AND version_id = ${versionId} - 1)`);
    for (const { table } of Object.values(INDEX_TABLES)) {
      ctes.push(`del_${table} AS (DELETE FROM ${table} WHERE rid = (SELECT rid FROM r))`);
    }
  }
  ctes.push(`v AS (INSERT INTO resource_versions (rid, resource_type, id, version_id, last_updated, deleted, content)
    SELECT rid, ${type}, ${id}, ${versionId}, ${lastUpdated}, ${deleted}, ${content} FROM r)`);
  if (write.index && !deleted) ctes.push(...indexInserts(write.index, type, p));
  const text = `WITH ${ctes.join(',\n')} SELECT rid FROM r`;
  let result;
  try {
    result = await client.query({ text, values: params });
  } catch (error) {
    throw normalizePostgresError(error);
  }
  if (result.rowCount === 0) throw new StorageConflict(`${write.resourceType}/${write.id} changed concurrently: no current row to update`);
}

function indexInserts(index: SearchIndex, type: string, p: (value: unknown, cast?: string) => string): string[] {
  const ctes: string[] = [];
  for (const kind of Object.keys(INDEX_TABLES) as IndexKind[]) {
    const rows = indexRows(index, kind);
    if (rows.length === 0) continue;
    const { table, columns } = INDEX_TABLES[kind];
    const params = p(rows.map((r) => r.param), '::text[]');
    const arrays = columns.map((_, c) => p(rows.map((r) => r.values[c] ?? null), `::${COLUMN_TYPES[kind][c]}[]`));
    ctes.push(`ins_${table} AS (INSERT INTO ${table} (rid, resource_type, param, ${columns.join(', ')})
      SELECT r.rid, ${type}, x.* FROM r, unnest(${params}, ${arrays.join(', ')}) AS x)`);
  }
  return ctes;
}

/** Whether `write` is a first version (a create): such writes can go out together (`postgresWriteCreates`). */
export const isCreate = (write: VersionWrite) => write.versionId === 1 && write.json !== null;

/**
 * Several creates in ONE statement: the resources, their history rows and all their index rows,
 * each set as one `unnest` of arrays. Inside a transaction each statement is a round trip while its
 * transaction id is held — and the change log's readers wait for that id (ADR 0001): the disclosure
 * log's AuditEvents for a batch of 200 patients took 200 round trips (~570 ms under load) before,
 * one now. The text is the same whatever the batch holds (every index table appears, empty arrays
 * insert nothing), so it is prepared once per connection. History rows take their change-log seq
 * in the order given.
 */
export async function postgresWriteCreates(client: Pick<pg.PoolClient, 'query'>, writes: readonly VersionWrite[]): Promise<void> {
  const { params, p } = parameters();
  const ctes = [
    `input AS (SELECT * FROM unnest(${p(writes.map((w) => w.resourceType), '::text[]')}, ${p(writes.map((w) => w.id), '::text[]')},
      ${p(writes.map((w) => w.lastUpdated), '::bigint[]')}, ${p(writes.map((w) => w.json), '::text[]')}) WITH ORDINALITY AS u(resource_type, id, last_updated, content, n))`,
    `r AS (INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content)
      SELECT resource_type, id, 1, last_updated, 0, content FROM input ORDER BY n RETURNING rid, resource_type, id)`,
    `w AS (SELECT r.rid, i.* FROM input i JOIN r ON r.resource_type = i.resource_type AND r.id = i.id)`,
    `v AS (INSERT INTO resource_versions (rid, resource_type, id, version_id, last_updated, deleted, content)
      SELECT rid, resource_type, id, 1, last_updated, 0, content FROM w ORDER BY n)`,
  ];
  for (const kind of Object.keys(INDEX_TABLES) as IndexKind[]) {
    const { table, columns } = INDEX_TABLES[kind];
    const rows = writes.flatMap((write, i) => (write.index ? indexRows(write.index, kind) : []).map((row) => ({ n: i + 1, ...row })));
    const arrays = columns.map((_, c) => p(rows.map((r) => r.values[c] ?? null), `::${COLUMN_TYPES[kind][c]}[]`));
    ctes.push(`ins_${table} AS (INSERT INTO ${table} (rid, resource_type, param, ${columns.join(', ')})
      SELECT w.rid, w.resource_type, x.param, ${columns.map((_, c) => `x.c${c}`).join(', ')}
      FROM unnest(${p(rows.map((r) => r.n), '::int[]')}, ${p(rows.map((r) => r.param), '::text[]')}, ${arrays.join(', ')}) AS x(n, param, ${columns.map((_, c) => `c${c}`).join(', ')})
      JOIN w ON w.n = x.n)`);
  }
  try {
    await client.query({ text: `WITH ${ctes.join(',\n')} SELECT count(*) FROM r`, values: params });
  } catch (error) {
    throw normalizePostgresError(error);
  }
}

/** A statement's values and `p`, which adds one and gives its numbered placeholder (with a cast). */
function parameters(): { params: unknown[]; p: (value: unknown, cast?: string) => string } {
  const params: unknown[] = [];
  return { params, p: (value, cast = '') => `$${params.push(value)}${cast}` };
}
