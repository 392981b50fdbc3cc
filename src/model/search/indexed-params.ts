import { searchParamsOf } from '../definitions/index.js';
import type { SearchParamDef, SearchParamType } from './search-types.js';

/**
 * The search parameters this server indexes, shared by extraction and parsing so that a search
 * is accepted only on a parameter that has rows to match. Composite parameters need the values
 * of one element kept together (R4 search §3.1.1.4 composite, search.html#composite) and the
 * special ones (`_text`, `_content`, `_query`, R4 search §3.1.1.3) need engines we do not have:
 * both are reported as unknown instead.
 */
const INDEXED_TYPES: ReadonlySet<SearchParamType> = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);
const NOT_INDEXED: ReadonlySet<string> = new Set(['_text', '_content', '_query', '_filter', '_list', '_has', '_type']);

export function isIndexedParam(def: SearchParamDef): boolean {
  return def.expression !== undefined && INDEXED_TYPES.has(def.type) && !NOT_INDEXED.has(def.code);
}

export function indexedParams(resourceType: string): SearchParamDef[] {
  return [...searchParamsOf(resourceType).values()].filter(isIndexedParam);
}
