import type { SearchRequest, SortKey } from '../../model/index.js';
import { StorageBadQuery } from '../storage-errors.js';
import { compileFilter } from './compile-filter.js';
import { INDEX_KIND_OF_TYPE, INDEX_TABLES } from './index-tables.js';
import { all, join, raw, sql, type Sql } from './sql-fragment.js';

/**
 * A search compiled to SQL. Paging is keyset, not offset: the cursor carries the last row's sort
 * values and rid, so a page boundary stays put while rows are inserted or deleted before it.
 */
export interface CompiledSearch {
  page: Sql;
  count: Sql;
  sortKeys: number;
}

interface Cursor {
  /** Sort values of the last row (null flag + value per key). */
  s: [number, string | number][];
  rid: number;
}

export function compileSearch(request: SearchRequest): CompiledSearch {
  const where = compileFilter(request.clauses, request.resourceType, 'r', request.compartment, request.restriction);
  const sortExprs = request.sort.map(sortExpression);
  const select = join([raw('r.rid, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content'),
    ...sortExprs.flatMap((e, i) => [sql`CASE WHEN ${e} IS NULL THEN 1 ELSE 0 END AS n${raw(String(i))}`, sql`COALESCE(${e}, ${defaultOf(request.sort[i]!)}) AS s${raw(String(i))}`])], ', ');
  const inner = sql`SELECT ${select} FROM resources r WHERE ${where}`;
  const keyset = request.cursor !== undefined ? keysetCondition(decodeCursor(request.cursor, sortExprs.length), request.sort) : raw('1=1');
  const order = raw([...request.sort.flatMap((k, i) => [`n${i} ASC`, `s${i} ${k.descending ? 'DESC' : 'ASC'}`]), 'rid ASC'].join(', '));
  return {
    page: sql`SELECT * FROM (${inner}) q WHERE ${keyset} ORDER BY ${order} LIMIT ${request.count + 1}`,
    count: sql`SELECT COUNT(*) AS total FROM resources r WHERE ${where}`,
    sortKeys: sortExprs.length,
  };
}

/** The value a resource sorts by for one key: the lowest value ascending, the highest descending. */
function sortExpression(key: SortKey): Sql {
  const code = key.param.code;
  if (code === '_id') return raw('r.id');
  if (code === '_lastUpdated') return raw('r.last_updated');
  const kind = INDEX_KIND_OF_TYPE[key.param.type];
  if (!kind) throw new StorageBadQuery(`cannot sort by ${code}`, '_sort');
  const table = raw(INDEX_TABLES[kind].table);
  const agg = raw(key.descending ? 'MAX' : 'MIN');
  const column = raw({ strings: 'normalized', tokens: 'code', references: 'target_id', uris: 'value', dates: key.descending ? 'high' : 'low', numbers: key.descending ? 'high' : 'low', quantities: key.descending ? 'high' : 'low' }[kind]);
  return sql`(SELECT ${agg}(${column}) FROM ${table} x WHERE x.rid = r.rid AND x.param = ${code})`;
}

function isTextSort(key: SortKey): boolean {
  return key.param.code === '_id' || ['string', 'token', 'reference', 'uri'].includes(key.param.type);
}

function defaultOf(key: SortKey): Sql {
  return isTextSort(key) ? raw("''") : raw('0');
}

/** Rows strictly after the cursor in (n0, s0, n1, s1, …, rid) order, honouring each key's direction. */
function keysetCondition(cursor: Cursor, keys: SortKey[]): Sql {
  const columns: { name: string; value: string | number; descending: boolean }[] = [];
  keys.forEach((key, i) => {
    const [nullFlag, value] = cursor.s[i]!;
    columns.push({ name: `n${i}`, value: nullFlag, descending: false });
    columns.push({ name: `s${i}`, value, descending: key.descending });
  });
  columns.push({ name: 'rid', value: cursor.rid, descending: false });
  const alternatives: Sql[] = columns.map((column, i) => {
    const equalBefore = columns.slice(0, i).map((c) => sql`${raw(c.name)} = ${c.value}`);
    const after = sql`${raw(column.name)} ${raw(column.descending ? '<' : '>')} ${column.value}`;
    return all([...equalBefore, after]);
  });
  return sql`(${join(alternatives, ' OR ')})`;
}

export function encodeCursor(row: Record<string, unknown>, sortKeys: number): string {
  const cursor: Cursor = { s: [], rid: Number(row.rid) };
  for (let i = 0; i < sortKeys; i++) cursor.s.push([Number(row[`n${i}`]), row[`s${i}`] as string | number]);
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, sortKeys: number): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (!Number.isSafeInteger(cursor.rid) || !Array.isArray(cursor.s) || cursor.s.length !== sortKeys) throw new Error('shape');
    for (const entry of cursor.s) {
      if (!Array.isArray(entry) || (typeof entry[1] !== 'string' && typeof entry[1] !== 'number')) throw new Error('shape');
    }
    return cursor;
  } catch {
    throw new StorageBadQuery('the paging cursor is invalid or belongs to a different search', '_cursor');
  }
}
