import { isResourceType } from '../definitions/index.js';
import { invalid } from '../outcome/index.js';

/**
 * One `backport-filter-criteria` value (Backport IG STU 1.1, "Subscription Filters"): the IG
 * writes `[resourceType]?[parameter]=[value]`; earlier drafts and the Inferno fixtures write
 * `Type.param=value`; and a topic with one resource type is often filtered as bare
 * `param=value`. All three are accepted; the `?` form may carry several `&`-joined pairs.
 */
export interface SubscriptionFilter {
  /** The resource type the filter is limited to, when written. */
  resourceType: string | undefined;
  /** The parameter as written, modifier included (`code:not`). */
  name: string;
  value: string;
}

export function parseFilter(text: string, where: string): SubscriptionFilter[] {
  const trimmed = text.trim();
  const question = trimmed.indexOf('?');
  if (question > 0) {
    const resourceType = checkType(trimmed.slice(0, question), where);
    const pairs = [...new URLSearchParams(trimmed.slice(question + 1))];
    if (pairs.length === 0) throw invalid(`Filter "${text}" has no parameter`, where);
    return pairs.map(([name, value]) => checkPair({ resourceType, name, value }, text, where));
  }
  const equals = trimmed.indexOf('=');
  if (equals <= 0) throw invalid(`Filter "${text}" is not [Type?]param=value`, where);
  const left = trimmed.slice(0, equals);
  const value = decode(trimmed.slice(equals + 1), where);
  const dot = left.indexOf('.');
  // `Type.param` only when the part before the dot is a resource type: chains start lower-case.
  if (dot > 0 && /^[A-Z]/.test(left)) {
    return [checkPair({ resourceType: checkType(left.slice(0, dot), where), name: left.slice(dot + 1), value }, text, where)];
  }
  return [checkPair({ resourceType: undefined, name: left, value }, text, where)];
}

function checkType(type: string, where: string): string {
  if (!isResourceType(type)) throw invalid(`"${type}" is not a resource type`, where);
  return type;
}

function checkPair(filter: SubscriptionFilter, text: string, where: string): SubscriptionFilter {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*(:[A-Za-z-]+)?$/.test(filter.name)) throw invalid(`Filter "${text}": "${filter.name}" is not a search parameter name`, where);
  if (filter.value === '') throw invalid(`Filter "${text}" has no value`, where);
  return filter;
}

function decode(value: string, where: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`Filter value "${value}" is not valid percent-encoding`, where);
  }
}
