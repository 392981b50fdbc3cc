import type { SearchClause, SearchValue } from '../../model/index.js';
import { normalizeSearchString } from '../../model/index.js';
import { StorageBadQuery } from '../storage-errors.js';
import { INDEX_KIND_OF_TYPE, INDEX_TABLES, type IndexKind } from './index-tables.js';
import { dateCondition, instantCondition, numberCondition } from './range-conditions.js';
import { all, any, raw, sql, type Sql } from './sql-fragment.js';

/**
 * Compiles one plain search clause (`param[:modifier]=v1,v2`, no chain or `_has`: see
 * compile-filter.ts) into a SQL condition on the resource row aliased `alias` (columns rid, id,
 * resource_type, last_updated). Values are ORed; the caller ANDs clauses.
 *
 * Two forms, so that the search is driven by one index lookup and the rest are probes:
 * - `drive`: `alias.rid IN (SELECT rid FROM sp_x WHERE resource_type = ? AND param = ? AND …)`,
 *   read from the (resource_type, param, value…) index;
 * - otherwise `EXISTS (SELECT 1 FROM sp_x x WHERE x.rid = alias.rid AND x.param = ? AND …)`, a
 *   probe of the (rid, param) index for each candidate row.
 */
export function compileClause(clause: SearchClause, resourceType: string, alias: string, drive = false): Sql {
  const code = clause.param.code;
  if (code === '_id') return negate(clause, any(clause.values.map((v) => idCondition(v, alias))));
  if (code === '_lastUpdated') {
    return any(clause.values.map((v) => {
      if (v.kind === 'missing') return raw(v.missing ? '1=0' : '1=1');
      if (v.kind !== 'date') throw new StorageBadQuery('_lastUpdated takes a date', '_lastUpdated');
      return instantCondition(v.prefix, raw(`${alias}.last_updated`), v.low, v.high);
    }));
  }

  const missing = clause.values.find((v) => v.kind === 'missing');
  // search.html#missing: whether the resource has any value for the parameter.
  if (missing?.kind === 'missing') {
    const present = any(presenceTables(clause).map((table) => exists(table, code, alias, raw('1=1'))));
    return missing.missing ? sql`NOT ${present}` : present;
  }
  const table = INDEX_TABLES[indexKindOf(clause)].table;
  const matches = any(clause.values.map((value) => valueCondition(value, clause)));
  if (drive) return sql`${raw(alias)}.rid IN (SELECT rid FROM ${raw(table)} WHERE resource_type = ${resourceType} AND param = ${code} AND ${matches})`;
  // R4 §3.1.1.5.6 :not — resources with no matching value, including those with no value at all.
  return clause.modifier === 'not' ? sql`NOT ${exists(table, code, alias, matches)}` : exists(table, code, alias, matches);
}

function exists(table: string, code: string, alias: string, matches: Sql): Sql {
  return sql`EXISTS (SELECT 1 FROM ${raw(table)} x WHERE x.rid = ${raw(alias)}.rid AND x.param = ${code} AND ${matches})`;
}

/** A reference given only as `Reference.identifier` is a value too; it is kept in sp_token. */
function presenceTables(clause: SearchClause): string[] {
  const own = INDEX_TABLES[indexKindOf(clause)].table;
  return clause.param.type === 'reference' ? [own, INDEX_TABLES.tokens.table] : [own];
}

/**
 * The index table a clause reads. search.html#modifiers `:identifier` "tests whether the
 * Reference.identifier … matches": extraction keeps those identifiers as tokens under the
 * reference parameter's own code, so they are in sp_token, not sp_reference.
 */
export function indexKindOf(clause: SearchClause): IndexKind {
  if (clause.modifier === 'identifier') return 'tokens';
  const kind = INDEX_KIND_OF_TYPE[clause.param.type];
  if (!kind) throw new StorageBadQuery(`search parameter ${clause.param.code} of type ${clause.param.type} is not supported`, clause.param.code);
  return kind;
}

function negate(clause: SearchClause, condition: Sql): Sql {
  return clause.modifier === 'not' ? sql`NOT ${condition}` : condition;
}

function idCondition(value: SearchValue, alias: string): Sql {
  const id = raw(`${alias}.id`);
  if (value.kind === 'token') return sql`${id} = ${value.code ?? ''}`;
  if (value.kind === 'string' || value.kind === 'uri') return sql`${id} = ${value.value}`;
  if (value.kind === 'reference') return sql`${id} = ${value.targetId}`;
  throw new StorageBadQuery('_id takes an id', '_id');
}

function valueCondition(value: SearchValue, clause: SearchClause): Sql {
  switch (value.kind) {
    case 'string': return stringCondition(value.value, clause.modifier);
    case 'token': return tokenCondition(value, clause.modifier);
    case 'reference': return referenceCondition(value, clause.targetType);
    case 'date': return dateCondition(value.prefix, raw('low'), raw('high'), value.low, value.high);
    case 'number': return numberCondition(value.prefix, raw('low'), raw('high'), value.value, value.low, value.high);
    case 'quantity': return all([
      numberCondition(value.prefix, raw('low'), raw('high'), value.value, value.low, value.high),
      // search.html#quantity: `5.4||mg` matches the code or the unit; extraction stores the
      // unit as a second, system-less row, so `code = ?` covers both.
      ...(value.code !== undefined ? [sql`code = ${value.code}`] : []),
      ...(value.system !== undefined ? [sql`system = ${value.system}`] : []),
    ]);
    case 'uri': return uriCondition(value.value, clause.modifier);
    case 'missing': return raw('1=1');
  }
}

/**
 * R4 §3.1.1.4.7 string: case- and accent-insensitive "starts with" unless :exact / :contains.
 * Every test on `normalized` is a LIKE — `:exact` one without wildcards — because that is what
 * both engines serve from the index (SQLite's LIKE optimization, PostgreSQL's text_pattern_ops).
 */
function stringCondition(value: string, modifier: SearchClause['modifier']): Sql {
  const normalized = escapeLike(normalizeSearchString(value));
  if (modifier === 'exact') return sql`(normalized LIKE ${normalized} ESCAPE '\\' AND value = ${value})`;
  if (modifier === 'contains') return sql`normalized LIKE ${`%${normalized}%`} ESCAPE '\\'`;
  return sql`normalized LIKE ${`${normalized}%`} ESCAPE '\\'`;
}

function tokenCondition(value: Extract<SearchValue, { kind: 'token' }>, modifier: SearchClause['modifier']): Sql {
  if (modifier === 'text') {
    // search.html#modifiers :text — "the search parameter is processed as a string that searches
    // text associated with the code/value": string matching (starts with, case- and
    // accent-insensitive) on the display or text, at its start or at the start of any word in it.
    const text = escapeLike(normalizeSearchString(value.code ?? ''));
    return sql`(text LIKE ${`${text}%`} ESCAPE '\\' OR text LIKE ${`% ${text}%`} ESCAPE '\\')`;
  }
  const parts: Sql[] = [];
  // `code` alone matches any system; `|code` means no system; `system|` any code in the system.
  if (value.code !== undefined) parts.push(sql`code = ${value.code}`);
  if (value.system !== undefined) parts.push(value.system === '' ? raw('system IS NULL') : sql`system = ${value.system}`);
  return all(parts);
}

/**
 * search.html#reference. `targetId: ''` is a URL naming no local resource (a canonical, a urn, a
 * resource on another server): it matches the reference as written. An absolute URL that does
 * name a Type/id also matches canonicals stored as written.
 */
function referenceCondition(value: Extract<SearchValue, { kind: 'reference' }>, typeModifier: string | undefined): Sql {
  if (value.targetId === '') return sql`url = ${value.url}`;
  const targetType = value.targetType ?? typeModifier;
  const byId = targetType !== undefined
    ? sql`(target_id = ${value.targetId} AND target_type = ${targetType})`
    : sql`target_id = ${value.targetId}`;
  return /^[a-z][a-z0-9+.-]*:/i.test(value.url) ? any([byId, sql`url = ${value.url}`]) : byId;
}

/**
 * search.html#uri: exact; `:below` the value is a prefix of the stored URI; `:above` the stored
 * URI is a prefix of the value. URIs are case-sensitive, and SQLite's LIKE is not: the LIKE only
 * narrows (PostgreSQL serves it from the index), the SUBSTR comparison decides, on both engines.
 */
function uriCondition(value: string, modifier: SearchClause['modifier']): Sql {
  if (modifier === 'below') {
    const length = [...value].length; // SQL counts characters, not UTF-16 units
    return sql`(value LIKE ${`${escapeLike(value)}%`} ESCAPE '\\' AND SUBSTR(value, 1, ${raw(String(length))}) = ${value})`;
  }
  if (modifier === 'above') return sql`SUBSTR(${value}, 1, LENGTH(value)) = value`;
  return sql`value = ${value}`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
