import { isResourceType, searchParamsOf } from '../definitions/index.js';
import { invalid } from '../outcome/index.js';
import { isIndexedParam } from './indexed-params.js';
import type { IncludeSpec } from './search-types.js';
import { unsupported } from './unsupported.js';

/**
 * `_include=Source:param[:Target]` and `_revinclude=Source:param[:Target]` (R4 search §3.1.1.5
 * including other resources, search.html#include). `Source` is the resource type holding the
 * reference parameter: the searched type for `_include`, the referring type for `_revinclude`.
 * `:iterate` (R4; `:recurse` is its STU3 name) follows the inclusion again from included
 * resources. The wildcard `*` is not supported.
 */
export function parseInclude(name: string, value: string, iterate: boolean): IncludeSpec {
  const [sourceType, code, targetType, ...extra] = value.split(':');
  if (code === '*' || sourceType === '*') throw unsupported(`${name}=${value}: the wildcard * is not supported`, name);
  if (!sourceType || !code || extra.length > 0) throw invalid(`Invalid ${name} "${value}": expected Type:param[:targetType]`, name);
  if (!isResourceType(sourceType)) throw invalid(`Invalid ${name} "${value}": unknown resource type ${sourceType}`, name);
  const param = searchParamsOf(sourceType).get(code);
  if (!param || !isIndexedParam(param) || param.type !== 'reference') {
    throw invalid(`Invalid ${name} "${value}": ${sourceType} has no reference search parameter ${code}`, name);
  }
  if (targetType !== undefined && (!isResourceType(targetType) || (param.targets.length > 0 && !param.targets.includes(targetType)))) {
    throw invalid(`Invalid ${name} "${value}": ${sourceType}.${code} cannot refer to ${targetType}`, name);
  }
  return { sourceType, param, targetType, iterate };
}
