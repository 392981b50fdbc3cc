import type { SearchIndex, SearchParamType } from '../../model/index.js';

/**
 * The search index lives in one table per search-parameter type, each row tied to a resource's
 * surrogate key `rid`. Both engines share these shapes; only column types differ in migrations.
 */
export const INDEX_TABLES = {
  strings: { table: 'sp_string', columns: ['value', 'normalized'] },
  tokens: { table: 'sp_token', columns: ['system', 'code', 'text'] },
  references: { table: 'sp_reference', columns: ['target_type', 'target_id', 'url'] },
  dates: { table: 'sp_date', columns: ['low', 'high'] },
  numbers: { table: 'sp_number', columns: ['low', 'high'] },
  quantities: { table: 'sp_quantity', columns: ['system', 'code', 'low', 'high'] },
  uris: { table: 'sp_uri', columns: ['value'] },
} as const;

export type IndexKind = keyof typeof INDEX_TABLES;

export const INDEX_KIND_OF_TYPE: Partial<Record<SearchParamType, IndexKind>> = {
  string: 'strings',
  token: 'tokens',
  reference: 'references',
  date: 'dates',
  number: 'numbers',
  quantity: 'quantities',
  uri: 'uris',
};

/** Rows of one index table as positional values, in INDEX_TABLES column order. */
export function indexRows(index: SearchIndex, kind: IndexKind): { param: string; values: unknown[] }[] {
  switch (kind) {
    case 'strings': return index.strings.map((r) => ({ param: r.param, values: [r.value, r.normalized] }));
    case 'tokens': return index.tokens.map((r) => ({ param: r.param, values: [r.system, r.code, r.text] }));
    case 'references': return index.references.map((r) => ({ param: r.param, values: [r.targetType, r.targetId, r.url] }));
    case 'dates': return index.dates.map((r) => ({ param: r.param, values: [r.low, r.high] }));
    case 'numbers': return index.numbers.map((r) => ({ param: r.param, values: [r.low, r.high] }));
    case 'quantities': return index.quantities.map((r) => ({ param: r.param, values: [r.system, r.code, r.low, r.high] }));
    case 'uris': return index.uris.map((r) => ({ param: r.param, values: [r.value] }));
  }
}
