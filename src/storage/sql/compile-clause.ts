import type { Prefix, SearchClause, SearchValue } from '../../model/index.js';
import { StorageBadQuery } from '../storage-errors.js';
import { INDEX_KIND_OF_TYPE, INDEX_TABLES } from './index-tables.js';
import { all, any, list, raw, sql, type Sql } from './sql-fragment.js';

/**
 * Compiles one search clause (`param[:modifier]=v1,v2`) into a SQL condition on the resource row
 * aliased `alias` (columns rid, id, resource_type, last_updated). Values are ORed; the caller ANDs
 * clauses. Each condition is `rid IN (index subquery)`, which both engines drive from the index.
 */
export function compileClause(clause: SearchClause, resourceType: string, alias: string): Sql {
  const rid = raw(`${alias}.rid`);
  if (clause.chain) return compileChain(clause, resourceType, alias);
  if (clause.has) return compileHas(clause, alias);
  const code = clause.param.code;

  if (code === '_id') return negate(clause, any(clause.values.map((v) => idCondition(v, alias))));
  if (code === '_lastUpdated') {
    return any(clause.values.map((v) => {
      if (v.kind === 'missing') return raw(v.missing ? '1=0' : '1=1');
      if (v.kind !== 'date') throw new StorageBadQuery('_lastUpdated takes a date');
      return rangeCondition(v.prefix, raw(`${alias}.last_updated`), raw(`${alias}.last_updated + 1`), v.low, v.high);
    }));
  }

  const kind = INDEX_KIND_OF_TYPE[clause.param.type];
  if (!kind) throw new StorageBadQuery(`search parameter ${code} of type ${clause.param.type} is not supported`);
  const table = raw(INDEX_TABLES[kind].table);
  const scope = sql`resource_type = ${resourceType} AND param = ${code}`;

  const missing = clause.values.find((v) => v.kind === 'missing');
  if (missing && missing.kind === 'missing') {
    const present = sql`${rid} IN (SELECT rid FROM ${table} WHERE ${scope})`;
    return missing.missing ? sql`NOT ${present}` : present;
  }

  const matches = any(clause.values.map((value) => valueCondition(value, clause)));
  const inIndex = sql`${rid} IN (SELECT rid FROM ${table} WHERE ${scope} AND ${matches})`;
  // R4 §3.1.1.5.6 :not — resources with no matching value, including those with no value at all.
  return clause.modifier === 'not' ? sql`${rid} NOT IN (SELECT rid FROM ${table} WHERE ${scope} AND ${matches})` : inIndex;
}

function negate(clause: SearchClause, condition: Sql): Sql {
  return clause.modifier === 'not' ? sql`NOT ${condition}` : condition;
}

function idCondition(value: SearchValue, alias: string): Sql {
  const id = raw(`${alias}.id`);
  if (value.kind === 'token') return sql`${id} = ${value.code ?? ''}`;
  if (value.kind === 'string' || value.kind === 'uri') return sql`${id} = ${value.value}`;
  if (value.kind === 'reference') return sql`${id} = ${value.targetId}`;
  throw new StorageBadQuery('_id takes an id');
}

function valueCondition(value: SearchValue, clause: SearchClause): Sql {
  switch (value.kind) {
    case 'string': return stringCondition(value.value, clause.modifier);
    case 'token': return tokenCondition(value, clause.modifier);
    case 'reference': return referenceCondition(value, clause.targetType);
    case 'date':
    case 'number': return rangeCondition(value.prefix, raw('low'), raw('high'), value.low, value.high);
    case 'quantity': return all([
      rangeCondition(value.prefix, raw('low'), raw('high'), value.low, value.high),
      ...(value.code !== undefined ? [sql`code = ${value.code}`] : []),
      ...(value.system !== undefined ? [sql`system = ${value.system}`] : []),
    ]);
    case 'uri': return uriCondition(value.value, clause.modifier);
    case 'missing': return raw('1=1');
  }
}

/** R4 §3.1.1.4.7 string: case- and accent-insensitive "starts with" unless :exact / :contains. */
function stringCondition(value: string, modifier: SearchClause['modifier']): Sql {
  if (modifier === 'exact') return sql`value = ${value}`;
  const normalized = escapeLike(normalize(value));
  if (modifier === 'contains') return sql`normalized LIKE ${`%${normalized}%`} ESCAPE '\\'`;
  return sql`normalized LIKE ${`${normalized}%`} ESCAPE '\\'`;
}

function tokenCondition(value: Extract<SearchValue, { kind: 'token' }>, modifier: SearchClause['modifier']): Sql {
  if (modifier === 'text') {
    const text = escapeLike(normalize(value.code ?? ''));
    return sql`LOWER(text) LIKE ${`${text}%`} ESCAPE '\\'`;
  }
  const parts: Sql[] = [];
  // `code` alone matches any system; `|code` means no system; `system|` any code in the system.
  if (value.code !== undefined) parts.push(sql`code = ${value.code}`);
  if (value.system !== undefined) parts.push(value.system === '' ? raw('system IS NULL') : sql`system = ${value.system}`);
  return all(parts);
}

function referenceCondition(value: Extract<SearchValue, { kind: 'reference' }>, typeModifier: string | undefined): Sql {
  const targetType = value.targetType ?? typeModifier;
  const byId = targetType !== undefined
    ? sql`target_id = ${value.targetId} AND target_type = ${targetType}`
    : sql`target_id = ${value.targetId}`;
  return value.url && /^https?:|^urn:/.test(value.url) ? any([byId, sql`url = ${value.url}`]) : byId;
}

function uriCondition(value: string, modifier: SearchClause['modifier']): Sql {
  if (modifier === 'below') return sql`value LIKE ${`${escapeLike(value)}%`} ESCAPE '\\'`;
  if (modifier === 'above') return sql`${value} LIKE value || '%'`;
  return sql`value = ${value}`;
}

/**
 * R4 §3.1.1.4.2 prefixes, over the target range [tl, th) and the search value's range [sl, sh)
 * (both upper bounds exclusive, so a value's precision is its range).
 */
export function rangeCondition(prefix: Prefix, tl: Sql, th: Sql, sl: number, sh: number): Sql {
  const contained = sql`(${tl} >= ${sl} AND ${th} <= ${sh})`;
  switch (prefix) {
    case 'eq': return contained;
    case 'ne': return sql`NOT ${contained}`;
    case 'gt': return sql`${th} > ${sh}`;
    case 'lt': return sql`${tl} < ${sl}`;
    case 'ge': return sql`(${th} > ${sh} OR ${contained})`;
    case 'le': return sql`(${tl} < ${sl} OR ${contained})`;
    case 'sa': return sql`${tl} >= ${sh}`;
    case 'eb': return sql`${th} <= ${sl}`;
    case 'ap': {
      // "approximately": the value's range widened by 10% of its magnitude, intersecting the target.
      const slack = Math.max(Math.abs(sh - sl), Math.abs((sl + sh) / 2) * 0.1);
      return sql`(${tl} < ${sh + slack} AND ${th} > ${sl - slack})`;
    }
  }
}

function compileChain(clause: SearchClause, resourceType: string, alias: string): Sql {
  const chain = clause.chain!;
  const inner = compileClause(chain.clause, chain.targetType, 't');
  return sql`${raw(alias)}.rid IN (SELECT ref.rid FROM sp_reference ref WHERE ref.resource_type = ${resourceType}
    AND ref.param = ${clause.param.code} AND ref.target_type = ${chain.targetType} AND ref.target_id IN
    (SELECT t.id FROM resources t WHERE t.resource_type = ${chain.targetType} AND t.deleted = 0 AND ${inner}))`;
}

/** R4 §3.1.1.5.10 `_has:Type:param:filter=value`: resources that matching `Type` resources point to. */
function compileHas(clause: SearchClause, alias: string): Sql {
  const has = clause.has!;
  const inner = compileClause(has.clause, has.sourceType, 's');
  return sql`${raw(alias)}.id IN (SELECT ref.target_id FROM sp_reference ref JOIN resources s ON s.rid = ref.rid
    WHERE ref.resource_type = ${has.sourceType} AND ref.param = ${has.referenceParam.code} AND s.deleted = 0 AND ${inner})`;
}

export function compartmentCondition(params: string[], resourceType: string, patientId: string, alias: string): Sql {
  if (resourceType === 'Patient') return sql`${raw(alias)}.id = ${patientId}`;
  return sql`${raw(alias)}.rid IN (SELECT rid FROM sp_reference WHERE resource_type = ${resourceType}
    AND param IN (${list(params)}) AND target_type = 'Patient' AND target_id = ${patientId})`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** The same normalization as extraction: lower case, accents removed. */
function normalize(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
