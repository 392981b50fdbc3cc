import { invalid } from '../outcome/index.js';
import { parseInclude } from './parse-include.js';
import { parseSearchClause } from './parse-search-clause.js';
import { parseSort } from './parse-sort.js';
import type { SearchRequest } from './search-types.js';

export interface ParseSearchOptions {
  /** Page size when `_count` is absent (20). */
  defaultCount?: number;
  /** Largest page served; a bigger `_count` is lowered to it (1000). */
  maxCount?: number;
  /** Epoch milliseconds, from the caller's clock: `ap` on a date is relative to now. */
  now?: number;
  /** The server's FHIR base (`https://host/fhir`): absolute references under it are local. */
  localBase?: string;
}

/**
 * A search's query parameters, in order, as a SearchRequest (R4 search §3.1.1, search.html).
 * Repeating a parameter ANDs it, a comma list ORs its values. Result parameters (`_count`,
 * `_sort`, `_include`, …) shape the response. A parameter the type does not define, or that
 * the server cannot evaluate (composite, `_text`, `_filter`, …), lands in `unknown` for the
 * caller to report or refuse (search.html#errors, `Prefer: handling`). A malformed value of a
 * known parameter is a 400 OperationOutcome naming the parameter.
 */
export function parseSearchRequest(resourceType: string, params: [string, string][], options: ParseSearchOptions = {}): SearchRequest {
  const maxCount = options.maxCount ?? 1000;
  const request: SearchRequest = {
    resourceType, clauses: [], sort: [], count: Math.min(options.defaultCount ?? 20, maxCount), cursor: undefined,
    // Without `_total`, storage reports the total when it is free (the whole result fits one page).
    total: undefined, summary: undefined, elements: undefined, include: [], revinclude: [], unknown: [],
  };
  // Model code reads no clock of its own; a caller without one gets the process time.
  const context = { now: options.now ?? Date.now(), localBase: options.localBase };
  for (const [name, value] of params) {
    if (name.startsWith('_') && parseResultParam(request, name, value, maxCount)) continue;
    const clause = parseSearchClause(resourceType, name, value, context);
    if (clause === 'unknown') {
      if (!request.unknown.includes(name)) request.unknown.push(name);
    } else if (clause !== 'empty') request.clauses.push(clause);
  }
  return request;
}

const SUMMARY = ['true', 'count', 'data', 'text', 'false'] as const;
const TOTAL = ['none', 'estimate', 'accurate'] as const;

/** The result parameters of search.html#return; false when `name` is not one of them. */
function parseResultParam(request: SearchRequest, name: string, value: string, maxCount: number): boolean {
  const [base, modifier, ...extra] = name.split(':');
  if (base === '_include' || base === '_revinclude') {
    const iterate = modifier === 'iterate' || modifier === 'recurse';
    if ((modifier !== undefined && !iterate) || extra.length > 0) throw invalid(`Unknown modifier on ${name}`, name);
    (base === '_include' ? request.include : request.revinclude).push(parseInclude(name, value, iterate));
    return true;
  }
  const apply = RESULT_PARAMS.get(base!);
  if (!apply) return false;
  if (modifier !== undefined) throw invalid(`${base} takes no modifier (${name})`, name);
  apply(request, value, maxCount);
  return true;
}

type Apply = (request: SearchRequest, value: string, maxCount: number) => void;

const RESULT_PARAMS = new Map<string, Apply>(Object.entries({
  // search.html#count: a page size; the server may return fewer.
  _count: (request, value, maxCount) => {
    if (!/^\d{1,9}$/.test(value)) throw invalid(`Invalid _count "${value}": expected a whole number ≥ 0`, '_count');
    request.count = Math.min(Number(value), maxCount);
  },
  _sort: (request, value) => { request.sort.push(...parseSort(request.resourceType, value)); },
  _summary: (request, value) => { request.summary = oneOf(SUMMARY, '_summary', value); },
  _total: (request, value) => { request.total = oneOf(TOTAL, '_total', value); },
  // search.html#elements: top-level element names; repeats add to the list.
  _elements: (request, value) => {
    const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
    request.elements = [...new Set([...(request.elements ?? []), ...names])];
  },
  // The opaque keyset cursor of a `next` link, decoded by storage.
  _cursor: (request, value) => { request.cursor = value; },
  // R4 http §2.21.0.6 (_format) and search.html#return (_pretty) shape the wire format; the HTTP
  // layer reads them, search ignores them.
  _format: () => undefined,
  _pretty: () => undefined,
} satisfies Record<string, Apply>));

function oneOf<T extends string>(allowed: readonly T[], name: string, value: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalid(`Invalid ${name} "${value}": expected one of ${allowed.join(', ')}`, name);
  return value as T;
}
