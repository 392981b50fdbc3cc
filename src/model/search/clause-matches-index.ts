import { normalizeSearchString } from './normalize-search-string.js';
import type { Prefix, SearchClause, SearchIndex, SearchValue } from './search-types.js';

/** What in-memory matching needs of one resource version. */
export interface IndexedResource {
  id: string;
  /** Epoch milliseconds. */
  lastUpdated: number;
  index: SearchIndex;
}

/**
 * One plain search clause evaluated in memory against a resource's extracted search index, with
 * the semantics the SQL compiler gives it (storage/sql/compile-clause.ts, range-conditions.ts),
 * so a granular scope's `?category=…` admits exactly what `GET Type?category=…` finds.
 * Chains and `_has` need other resources: `'unevaluable'`, and the caller must deny.
 */
export function clauseMatchesIndex(clause: SearchClause, resource: IndexedResource): boolean | 'unevaluable' {
  if (clause.chain || clause.has) return 'unevaluable';
  const code = clause.param.code;
  if (code === '_id') return negate(clause, clause.values.some((v) => idOf(v) === resource.id));
  if (code === '_lastUpdated') {
    return clause.values.some((v) => (v.kind === 'missing' ? !v.missing : v.kind === 'date' && instantMatches(v.prefix, resource.lastUpdated, v.low, v.high)));
  }
  const missing = clause.values.find((v) => v.kind === 'missing');
  // search.html#missing; a reference given only by identifier is a value too (kept as a token).
  if (missing?.kind === 'missing') return hasAnyValue(code, resource.index) !== missing.missing;
  const found = clause.values.some((value) => valueMatches(value, clause, resource.index));
  // R4 §3.1.1.5.6 :not — no matching value, including no value at all.
  return negate(clause, found);
}

function negate(clause: SearchClause, found: boolean): boolean {
  return clause.modifier === 'not' ? !found : found;
}

function idOf(value: SearchValue): string | undefined {
  if (value.kind === 'token') return value.code ?? '';
  if (value.kind === 'string' || value.kind === 'uri') return value.value;
  if (value.kind === 'reference') return value.targetId;
  return undefined;
}

function hasAnyValue(param: string, index: SearchIndex): boolean {
  const lists: { param: string }[][] = [index.strings, index.tokens, index.references, index.dates, index.numbers, index.quantities, index.uris];
  return lists.some((list) => list.some((row) => row.param === param));
}

function valueMatches(value: SearchValue, clause: SearchClause, index: SearchIndex): boolean {
  const rows = <T extends { param: string }>(list: T[]) => list.filter((row) => row.param === clause.param.code);
  // search.html#modifiers :identifier — extraction keeps Reference.identifier as tokens.
  if (clause.modifier === 'identifier') return value.kind === 'token' && rows(index.tokens).some((t) => tokenMatches(value, t));
  switch (value.kind) {
    case 'string': return rows(index.strings).some((s) => stringMatches(value.value, s, clause.modifier));
    case 'token':
      return clause.modifier === 'text'
        ? rows(index.tokens).some((t) => textMatches(value.code ?? '', t.text))
        : rows(index.tokens).some((t) => tokenMatches(value, t));
    case 'reference': return rows(index.references).some((r) => referenceMatches(value, clause.targetType, r));
    case 'date': return rows(index.dates).some((d) => dateMatches(value.prefix, d.low, d.high, value.low, value.high));
    case 'number': return rows(index.numbers).some((n) => numberMatches(value.prefix, n.low, n.high, value.value, value.low, value.high));
    case 'quantity':
      return rows(index.quantities).some((q) => numberMatches(value.prefix, q.low, q.high, value.value, value.low, value.high)
        && (value.code === undefined || q.code === value.code) && (value.system === undefined || q.system === value.system));
    case 'uri': return rows(index.uris).some((u) => uriMatches(value.value, u.value, clause.modifier));
    case 'missing': return true;
  }
}

/** R4 §3.1.1.4.7: case- and accent-insensitive "starts with" unless :exact / :contains. */
function stringMatches(value: string, row: { value: string; normalized: string }, modifier: SearchClause['modifier']): boolean {
  if (modifier === 'exact') return row.value === value;
  const wanted = normalizeSearchString(value);
  return modifier === 'contains' ? row.normalized.includes(wanted) : row.normalized.startsWith(wanted);
}

/** `code` alone matches any system; `|code` means no system; `system|` any code in the system. */
function tokenMatches(value: { system: string | undefined; code: string | undefined }, row: { system: string | null; code: string | null }): boolean {
  if (value.code !== undefined && row.code !== value.code) return false;
  if (value.system === undefined) return true;
  return value.system === '' ? row.system === null : row.system === value.system;
}

/** search.html#modifiers :text — the start of the display/text or of one of its words. */
function textMatches(wanted: string, text: string | null): boolean {
  if (text === null) return false;
  const normalized = normalizeSearchString(wanted);
  return text.startsWith(normalized) || text.includes(` ${normalized}`);
}

function referenceMatches(value: Extract<SearchValue, { kind: 'reference' }>, typeModifier: string | undefined,
  row: { targetType: string | null; targetId: string | null; url: string }): boolean {
  if (value.targetId === '') return row.url === value.url;
  const targetType = value.targetType ?? typeModifier;
  const byId = row.targetId === value.targetId && (targetType === undefined || row.targetType === targetType);
  return byId || (/^[a-z][a-z0-9+.-]*:/i.test(value.url) && row.url === value.url);
}

function uriMatches(value: string, stored: string, modifier: SearchClause['modifier']): boolean {
  if (modifier === 'below') return stored.startsWith(value);
  if (modifier === 'above') return value.startsWith(stored);
  return stored === value;
}

/** Target [tl, th) against the search value [sl, sh) (search.html#prefix). */
function dateMatches(prefix: Prefix, tl: number, th: number, sl: number, sh: number): boolean {
  const contained = tl >= sl && th <= sh;
  switch (prefix) {
    case 'eq': return contained;
    case 'ne': return !contained;
    case 'gt': return th > sh;
    case 'lt': return tl < sl;
    case 'ge': return th > sh || contained;
    case 'le': return tl < sl || contained;
    case 'sa': return tl >= sh;
    case 'eb': return th <= sl;
    case 'ap': return tl < sh && th > sl;
  }
}

/** Closed target [tl, th]; only eq, ne and ap use the value's implicit precision (search.html#number). */
function numberMatches(prefix: Prefix, tl: number, th: number, v: number, sl: number, sh: number): boolean {
  switch (prefix) {
    case 'eq': return tl >= sl && th < sh;
    case 'ne': return !(tl >= sl && th < sh);
    case 'gt': return th > v;
    case 'lt': return tl < v;
    case 'ge': return th >= v;
    case 'le': return tl <= v;
    case 'sa': return tl > v;
    case 'eb': return th < v;
    case 'ap': return tl < sh && th >= sl;
  }
}

/** `_lastUpdated` as storage/sql/range-conditions.ts instantCondition: one millisecond [t, t + 1). */
function instantMatches(prefix: Prefix, t: number, sl: number, sh: number): boolean {
  switch (prefix) {
    case 'eq': case 'ap': return t >= sl && t < sh;
    case 'ne': return !(t >= sl && t < sh);
    case 'gt': case 'sa': return t >= sh;
    case 'lt': case 'eb': return t < sl;
    case 'ge': return t >= sl;
    case 'le': return t < sh;
  }
}
