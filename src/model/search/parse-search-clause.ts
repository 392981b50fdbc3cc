import { isResourceType, searchParamsOf } from '../definitions/index.js';
import { invalid } from '../outcome/index.js';
import { isIndexedParam } from './indexed-params.js';
import { parseSearchValue, type ValueContext } from './parse-search-value.js';
import type { Modifier, SearchClause, SearchParamDef } from './search-types.js';
import { splitEscaped } from './split-escaped.js';
import { unsupported } from './unsupported.js';

/**
 * One `name=value` pair of a search as a clause (R4 search §3.1.1, search.html): the values of
 * a comma list are ORed; repeating the name makes another clause, ANDed by the caller. Handles
 * modifiers (search.html#modifiers), one level of chaining (search.html#chaining) and one level
 * of `_has` (search.html#has). Gives 'unknown' for a parameter this type does not have or that
 * is not indexed (the caller reports it), and 'empty' when no value is given, which is ignored.
 */
export function parseSearchClause(resourceType: string, name: string, value: string, context: ValueContext): SearchClause | 'unknown' | 'empty' {
  if (name.startsWith('_has:')) return parseHas(resourceType, name, value, context);
  const dot = name.indexOf('.');
  if (dot >= 0) return parseChain(resourceType, name.slice(0, dot), name.slice(dot + 1), value, name, context);
  return parseSimple(resourceType, name, value, name, context);
}

function parseSimple(resourceType: string, name: string, value: string, written: string, context: ValueContext): SearchClause | 'unknown' | 'empty' {
  const [code, modifierText, ...extra] = name.split(':');
  const param = indexedParam(resourceType, code!);
  if (!param) return 'unknown';
  if (extra.length > 0) throw invalid(`Unknown modifier "${modifierText}:${extra.join(':')}" on search parameter ${written}`, written);
  const { modifier, targetType } = parseModifier(param, modifierText, written);
  const raws = splitEscaped(value, ',').filter((v) => v !== '');
  if (raws.length === 0) return 'empty';
  const values = raws.map((raw) => parseSearchValue(param, modifier, raw, written, context, targetType));
  return targetType === undefined ? { param, modifier, values } : { param, modifier, targetType, values };
}

/** search.html#chaining: `subject:Patient.name=peter`, or `patient.name=peter` when unambiguous. */
function parseChain(resourceType: string, head: string, rest: string, value: string, written: string, context: ValueContext): SearchClause | 'unknown' | 'empty' {
  const [code, modifierText, ...extra] = head.split(':');
  const param = indexedParam(resourceType, code!);
  if (!param) return 'unknown';
  if (param.type !== 'reference') throw invalid(`Search parameter ${code} is not a reference and cannot be chained (${written})`, written);
  if (extra.length > 0 || (modifierText !== undefined && !isResourceType(modifierText))) throw invalid(`Invalid chain "${written}": expected ${code}[:Type].param`, written);
  const targets = param.targets;
  const targetType = modifierText ?? (targets.length === 1 ? targets[0] : undefined);
  if (targetType === undefined) {
    throw invalid(`Chained search parameter ${written} is ambiguous: ${code} may refer to ${targets.join(', ') || 'any type'}; write ${code}:Type.${rest}`, written);
  }
  if (targets.length > 0 && !targets.includes(targetType)) throw invalid(`Search parameter ${code} cannot refer to ${targetType} (${written})`, written);
  if (rest.includes('.') || rest.startsWith('_has:')) throw unsupported(`Only one level of chaining is supported (${written})`, written);
  const inner = parseSimple(targetType, rest, value, written, context);
  if (typeof inner === 'string') return inner;
  return { param, modifier: undefined, targetType, values: [], chain: { targetType, clause: inner } };
}

/** The `param` a `_has` clause carries: `_has` is not a search parameter of any type. */
const HAS: SearchParamDef = { code: '_has', type: 'special', expression: undefined, targets: [] };

/** search.html#has: `_has:Observation:patient:code=1234` — resources that such Observations point to. */
function parseHas(resourceType: string, name: string, value: string, context: ValueContext): SearchClause | 'unknown' | 'empty' {
  const [, sourceType, refCode, ...filter] = name.split(':');
  const filterName = filter.join(':');
  if (!sourceType || !refCode || !filterName) throw invalid(`Invalid _has "${name}": expected _has:Type:reference:param`, name);
  if (!isResourceType(sourceType)) throw invalid(`Unknown resource type ${sourceType} in ${name}`, name);
  const referenceParam = indexedParam(sourceType, refCode);
  if (!referenceParam || referenceParam.type !== 'reference') throw invalid(`${sourceType} has no reference search parameter ${refCode} (${name})`, name);
  if (referenceParam.targets.length > 0 && !referenceParam.targets.includes(resourceType)) {
    throw invalid(`${sourceType}.${refCode} cannot refer to ${resourceType} (${name})`, name);
  }
  if (filterName.startsWith('_has:') || filterName.includes('.')) throw unsupported(`Only one level of _has is supported (${name})`, name);
  const inner = parseSimple(sourceType, filterName, value, name, context);
  if (typeof inner === 'string') return inner;
  return { param: HAS, modifier: undefined, values: [], has: { sourceType, referenceParam, clause: inner } };
}

function indexedParam(resourceType: string, code: string): SearchParamDef | undefined {
  const param = searchParamsOf(resourceType).get(code);
  return param && isIndexedParam(param) ? param : undefined;
}

/**
 * search.html#modifiers, by parameter type. Modifiers that need a terminology server (`:in`,
 * `:not-in`, `:above`/`:below` on tokens, `:of-type`) are refused as not supported rather than
 * silently ignored.
 */
const ALLOWED: Record<string, readonly string[]> = {
  string: ['missing', 'exact', 'contains'],
  token: ['missing', 'not', 'text'],
  reference: ['missing', 'identifier'],
  uri: ['missing', 'above', 'below'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
};
const NEEDS_TERMINOLOGY = new Set(['in', 'not-in', 'above', 'below', 'of-type']);

function parseModifier(param: SearchParamDef, text: string | undefined, written: string): { modifier: Modifier | undefined; targetType?: string } {
  if (text === undefined) return { modifier: undefined };
  // `_id` compiles to the resource's id column: only equality and its negation make sense there.
  const allowed = param.code === '_id' ? ['not'] : ALLOWED[param.type] ?? [];
  if (allowed.includes(text)) return { modifier: text as Modifier };
  if (param.type === 'reference' && isResourceType(text)) {
    if (param.targets.length > 0 && !param.targets.includes(text)) throw invalid(`Search parameter ${param.code} cannot refer to ${text} (${written})`, written);
    return { modifier: 'type', targetType: text };
  }
  if (NEEDS_TERMINOLOGY.has(text)) throw unsupported(`Modifier :${text} is not supported on search parameter ${written}`, written);
  throw invalid(`Unknown modifier :${text} for search parameter ${written} of type ${param.type}`, written);
}
