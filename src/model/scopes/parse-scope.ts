import { looksLikeResourceScope, parseResourceScope, type Parsed } from './parse-resource-scope.js';
import { NAMED_SCOPES, type InvalidScope, type LaunchScope, type NamedScopeName, type ParsedScope } from './scope-types.js';

/**
 * RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) — printable ASCII except space, `"`
 * and `\`. (So FHIR search's `\,` escapes cannot occur inside a scope, and a `,` in a granular
 * value is always the OR separator.)
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Lower-case resource type name, as §"Scopes for requesting context data" asks for `launch/…`. */
const LAUNCH_CONTEXT = /^[a-z]+$/;

/**
 * One scope-token → its meaning, or `undefined` when it is not a scope we accept: not an RFC 6749
 * scope-token, or shaped like a SMART scope but malformed (`patient/Observation.sr`,
 * `Patient/Observation.rs`, `patient/observation.rs`, `launch/Patient`). A well-formed token we do
 * not know is kept as `{ kind: 'other' }`. Never throws. `parseScopes` gives the reasons.
 */
export function parseScope(text: string): ParsedScope | undefined {
  const parsed = readScope(text);
  return parsed.ok ? parsed.value : undefined;
}

export interface ParsedScopes {
  /** Accepted scopes, in request order, duplicates (same text) removed. */
  readonly scopes: ParsedScope[];
  /** Tokens rejected by `parseScope`, with the reason — material for `invalid_scope`. */
  readonly invalid: InvalidScope[];
}

/**
 * A `scope` parameter → its scopes. RFC 6749 §3.3: "space-delimited … If the value contains
 * multiple space-delimited strings, their order does not matter" — we keep the client's order
 * anyway (so the echoed `scope` reads like the request) and drop repeats.
 */
export function parseScopes(spaceSeparated: string): ParsedScopes {
  const scopes: ParsedScope[] = [];
  const invalid: InvalidScope[] = [];
  const seen = new Set<string>();
  for (const text of spaceSeparated.split(' ')) {
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    const parsed = readScope(text);
    if (parsed.ok) scopes.push(parsed.value);
    else invalid.push({ text, problem: parsed.problem });
  }
  return { scopes, invalid };
}

function readScope(text: string): Parsed<ParsedScope> {
  if (!SCOPE_TOKEN.test(text)) return { ok: false, problem: 'not an RFC 6749 §3.3 scope-token (printable ASCII except space, " and \\)' };
  if ((NAMED_SCOPES as readonly string[]).includes(text)) return { ok: true, value: { kind: text as NamedScopeName } };
  if (text === 'launch' || text.startsWith('launch/')) return parseLaunchScope(text);
  if (looksLikeResourceScope(text)) return parseResourceScope(text);
  return { ok: true, value: { kind: 'other', text } };
}

/**
 * §"Scopes for requesting context data": `launch`, `launch/patient`, `launch/encounter`, and
 * (experimental) other types "all lowercase", each with at most one `?role=…` ("Each requested
 * scope can include at most one role").
 */
function parseLaunchScope(text: string): Parsed<LaunchScope> {
  if (text === 'launch') return { ok: true, value: { kind: 'launch' } };
  const rest = text.slice('launch/'.length);
  const questionMark = rest.indexOf('?');
  const context = questionMark < 0 ? rest : rest.slice(0, questionMark);
  if (!LAUNCH_CONTEXT.test(context)) {
    return { ok: false, problem: `"launch/${context}": launch context types are written in lower case (launch/patient)` };
  }
  if (questionMark < 0) return { ok: true, value: { kind: 'launch', context } };
  const query = rest.slice(questionMark + 1);
  const role = query.startsWith('role=') ? query.slice('role='.length) : '';
  if (role === '' || role.includes('&')) return { ok: false, problem: `"${text}": a launch scope takes one ?role=… and nothing else` };
  return { ok: true, value: { kind: 'launch', context, role } };
}
