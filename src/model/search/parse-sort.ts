import { searchParamsOf } from '../definitions/index.js';
import { invalid } from '../outcome/index.js';
import { isIndexedParam } from './indexed-params.js';
import type { SortKey } from './search-types.js';

/**
 * `_sort=a,-b` (R4 search §3.1.1.5 sorting, search.html#sort): keys in priority order, a leading
 * `-` for descending. A key must be an indexed search parameter of the type; sorting by anything
 * else is refused, since the server could not honour it.
 */
export function parseSort(resourceType: string, value: string): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of value.split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const descending = text.startsWith('-');
    const code = descending ? text.slice(1) : text;
    const param = searchParamsOf(resourceType).get(code);
    if (!param || !isIndexedParam(param)) throw invalid(`Unknown or unsupported sort parameter "${code}" for ${resourceType}`, '_sort');
    keys.push({ param, descending });
  }
  return keys;
}
