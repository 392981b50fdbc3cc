import { isResourceType } from '../definitions/index.js';
import { INTERACTION_ORDER, type ResourceScope, type ScopeInteraction, type ScopeLevel, type ScopeQuery } from './scope-types.js';

/** A parsed value, or why the text is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const LEVELS: readonly string[] = ['patient', 'user', 'system'];

/**
 * §"Scopes for requesting FHIR Resources", v1 compatibility: "v1 `.read` ⇒ v2 `.rs`, v1 `.write` ⇒
 * v2 `.cud`, v1 `.*` ⇒ v2 `.cruds`".
 */
const V1: Readonly<Record<string, readonly ScopeInteraction[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** Search parameter name, with modifiers (`code:in`) and chains (`patient.birthdate`), which §"Experimental features" mentions. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_\-.:]*$/;

/** True when `text` starts like a resource scope (any case), so a mistake in it is an error, not an unknown scope. */
export function looksLikeResourceScope(text: string): boolean {
  const slash = text.indexOf('/');
  return slash > 0 && LEVELS.includes(text.slice(0, slash).toLowerCase());
}

/**
 * Grammar from §"FHIR Resource Scope Syntax": ( patient | user | system ) `/` ( type | `*` ) `.`
 * [c][r][u][d][s] [ `?` param=value { `&` param=value } ]. Case-sensitive throughout (RFC 6749
 * §3.3: scopes are "case-sensitive strings"; the spec stresses "patient" the level vs "Patient"
 * the resource).
 */
export function parseResourceScope(text: string): Parsed<ResourceScope> {
  const slash = text.indexOf('/');
  const level = text.slice(0, slash);
  if (!LEVELS.includes(level)) return fail(`"${level}" is not a scope level: levels are lower-case patient, user or system`);
  const questionMark = text.indexOf('?');
  const head = questionMark < 0 ? text.slice(slash + 1) : text.slice(slash + 1, questionMark);
  const dot = head.indexOf('.');
  if (dot < 0) return fail('missing ".interactions" after the resource type');
  const resourceType = head.slice(0, dot);
  const suffix = head.slice(dot + 1);
  if (resourceType !== '*' && !isResourceType(resourceType)) {
    return fail(`"${resourceType}" is not an R4 resource type (types are case-sensitive, e.g. Observation)`);
  }
  const v1 = Object.hasOwn(V1, suffix) ? V1[suffix] : undefined;
  const interactions = v1 ?? parseInteractions(suffix);
  if (suffix === '') return fail('no interactions after "." (at least one of c, r, u, d, s)');
  if (!interactions) {
    return fail(`".${suffix}" is not a subset of the in-order string ".cruds" (nor v1 .read, .write or .*)`);
  }
  let query: ScopeQuery | undefined;
  if (questionMark >= 0) {
    if (v1) return fail('a search-parameter restriction (?param=value) needs the v2 syntax (.rs, .cruds, …)');
    const parsed = parseScopeQuery(text.slice(questionMark + 1));
    if (!parsed.ok) return parsed;
    query = parsed.value;
  }
  const scope: ResourceScope = { kind: 'resource', level: level as ScopeLevel, resourceType, interactions, syntax: v1 ? 'v1' : 'v2' };
  return { ok: true, value: query ? { ...scope, query } : scope };
}

/**
 * "Valid suffixes are a subset of the in-order string `.cruds`"; "Scope requests with undefined or
 * out of order interactions MAY be ignored, replaced with server default scopes, or rejected" — we
 * report them (`.sr`, `.dus`, `.rr`, empty) and let the authorization server choose.
 */
function parseInteractions(suffix: string): ScopeInteraction[] | undefined {
  if (suffix === '') return undefined;
  const result: ScopeInteraction[] = [];
  let next = 0;
  for (const letter of suffix) {
    const at = INTERACTION_ORDER.indexOf(letter as ScopeInteraction, next);
    if (at < 0) return undefined;
    result.push(INTERACTION_ORDER[at] as ScopeInteraction);
    next = at + 1;
  }
  return result;
}

/**
 * §"Finer-grained resource constraints using search parameters": "a query string suffix … starting
 * with `?` and followed by a series of `param=value` items separated by `&`". Each item needs a
 * name and a non-empty value (every `,`-separated alternative non-empty too). Values are not
 * percent-decoded: a scope-token is already plain text after form decoding.
 */
export function parseScopeQuery(text: string): Parsed<ScopeQuery> {
  if (text === '') return fail('empty query after "?"');
  const pairs: (readonly [string, string])[] = [];
  for (const item of text.split('&')) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (!PARAM_NAME.test(name)) return fail(`"${item}" is not param=value`);
    if (value === '' || value.split(',').some((alternative) => alternative === '')) return fail(`"${item}" has an empty value`);
    pairs.push([name, value]);
  }
  return { ok: true, value: pairs };
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
