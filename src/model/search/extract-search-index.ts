import type { Resource } from '../fhir-types.js';
import { compileFastPath, type Evaluate } from './compile-fast-path.js';
import { compileFhirpath } from './compile-fhirpath.js';
import { dateValues } from './date-values.js';
import { indexedParams } from './indexed-params.js';
import { normalizeSearchString } from './normalize-search-string.js';
import { numberValues } from './number-values.js';
import { quantityValues } from './quantity-values.js';
import { referenceValues } from './reference-values.js';
import type { SearchIndex, SearchParamDef } from './search-types.js';
import { stringValues } from './string-values.js';
import { tokenValues } from './token-values.js';
import type { TypedValue } from './typed-value.js';

/**
 * The search index rows of one resource version: every indexed R4 search parameter of its type
 * (indexed-params.ts) evaluated with its FHIRPath expression (R4 SearchParameter.expression),
 * each found element turned into rows by the parameter's type (R4 search §3.1.1.4). Identical
 * rows are stored once.
 *
 * With `localBase` (the server's FHIR base) known, an absolute reference to another server keeps
 * only its URL: it names that server's resource, not ours of the same Type/id.
 *
 * Expressions run on the fast path (compile-fast-path.ts) when they are plain paths: on a typical
 * Patient, Condition and Observation, evaluating all their parameters took 7–14 µs that way
 * against 90–135 µs with fhirpath.js, which now handles only the few expressions left over.
 */
export interface ExtractOptions {
  localBase?: string;
  /** Only these parameters (codes): a caller that needs one link (the patient) need not pay for all. */
  only?: readonly string[];
}

export function extractSearchIndex(resource: Resource, options: ExtractOptions = {}): SearchIndex {
  const index: SearchIndex = { strings: [], tokens: [], references: [], dates: [], numbers: [], quantities: [], uris: [] };
  const seen = new Set<string>();
  const add = <K extends keyof SearchIndex>(kind: K, row: SearchIndex[K][number], key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    (index[kind] as SearchIndex[K][number][]).push(row);
  };
  for (const { param, evaluate } of extractorsOf(resource.resourceType)) {
    if (options.only && !options.only.includes(param.code)) continue;
    for (const node of evaluate(resource)) addRows(param, node, add, options.localBase);
  }
  return index;
}

type Add = <K extends keyof SearchIndex>(kind: K, row: SearchIndex[K][number], key: string) => void;

function addRows(param: SearchParamDef, node: TypedValue, add: Add, localBase: string | undefined): void {
  const p = param.code;
  switch (param.type) {
    case 'string':
      for (const value of stringValues(node)) add('strings', { param: p, value, normalized: normalizeSearchString(value) }, `s|${p}|${value}`);
      break;
    case 'token':
      for (const t of tokenValues(node)) add('tokens', { param: p, ...t }, `t|${p}|${t.system}|${t.code}|${t.text}`);
      break;
    case 'reference': {
      const { references, identifiers } = referenceValues(node, localBase);
      for (const r of references) add('references', { param: p, ...r }, `r|${p}|${r.url}`);
      for (const t of identifiers) add('tokens', { param: p, ...t }, `t|${p}|${t.system}|${t.code}|${t.text}`);
      break;
    }
    case 'date':
      for (const d of dateValues(node)) add('dates', { param: p, ...d }, `d|${p}|${d.low}|${d.high}`);
      break;
    case 'number':
      for (const n of numberValues(node)) add('numbers', { param: p, ...n }, `n|${p}|${n.low}|${n.high}`);
      break;
    case 'quantity':
      for (const q of quantityValues(node)) add('quantities', { param: p, ...q }, `q|${p}|${q.system}|${q.code}|${q.low}|${q.high}`);
      break;
    case 'uri':
      if (typeof node.value === 'string' && node.value !== '') add('uris', { param: p, value: node.value }, `u|${p}|${node.value}`);
      break;
    default:
      break;
  }
}

interface Extractor {
  param: SearchParamDef;
  evaluate: Evaluate;
}

/** Compiled once per resource type: the definitions are immutable, so this is a pure memo. */
const extractors = new Map<string, Extractor[]>();

function extractorsOf(resourceType: string): Extractor[] {
  let list = extractors.get(resourceType);
  if (!list) {
    list = indexedParams(resourceType).map((param) => {
      const expression = param.expression!;
      return { param, evaluate: compileFastPath(expression, resourceType) ?? compileFhirpath(expression) };
    });
    extractors.set(resourceType, list);
  }
  return list;
}
