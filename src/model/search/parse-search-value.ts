import { invalid } from '../outcome/index.js';
import { fhirDateRange } from './fhir-date-range.js';
import { numberRange, type NumberRange } from './number-range.js';
import { parseReference } from './parse-reference.js';
import type { Modifier, Prefix, SearchParamDef, SearchValue } from './search-types.js';
import { splitEscaped, unescapeSearchValue } from './split-escaped.js';

/** What reading a value needs beyond the value itself. */
export interface ValueContext {
  /** Epoch milliseconds: `ap` on a date widens by 10% of the gap between now and the date. */
  now: number;
  /** The server's own FHIR base URL: an absolute reference under it names a local resource. */
  localBase: string | undefined;
}

/**
 * One value of a search parameter (one item of a comma list), read by the parameter's type
 * (R4 search §3.1.1.4, search.html#ptypes). `name` is the parameter as written, for diagnostics.
 * `targetType` is the `:[type]` of a reference parameter, when given.
 */
export function parseSearchValue(param: SearchParamDef, modifier: Modifier | undefined, raw: string, name: string, context: ValueContext, targetType?: string): SearchValue {
  const bad = (why: string) => invalid(`Invalid value "${raw}" for search parameter ${name}: ${why}`, name);
  if (modifier === 'missing') {
    // search.html#missing: `:missing=true|false`.
    if (raw !== 'true' && raw !== 'false') throw bad('expected true or false');
    return { kind: 'missing', missing: raw === 'true' };
  }
  if (modifier === 'text') return { kind: 'token', system: undefined, code: unescapeSearchValue(raw) };
  if (modifier === 'identifier') return parseToken(raw, bad);
  switch (param.type) {
    case 'string': return { kind: 'string', value: unescapeSearchValue(raw) };
    case 'uri': return { kind: 'uri', value: unescapeSearchValue(raw) };
    case 'token': return parseToken(raw, bad);
    case 'reference': return parseReferenceValue(unescapeSearchValue(raw), targetType, context.localBase, bad);
    case 'date': {
      const { prefix, rest } = splitPrefix(raw);
      // An unencoded `+01:00` reaches us as ` 01:00` (form decoding turns `+` into a space).
      const range = fhirDateRange(rest.replace(/ (\d{2}:\d{2})$/, '+$1'));
      if (!range) throw bad('expected [prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|±hh:mm]]]]');
      // search.html#prefix ap: "for a date, 10% of the gap between now and the date".
      const slack = prefix === 'ap' ? Math.round(Math.abs(context.now - range.low) * 0.1) : 0;
      return { kind: 'date', prefix, low: range.low - slack, high: range.high + slack };
    }
    case 'number': {
      const { prefix, rest } = splitPrefix(raw);
      const range = numberRange(rest);
      if (!range) throw bad('expected [prefix]number');
      return { kind: 'number', prefix, ...approximate(prefix, range) };
    }
    case 'quantity': return parseQuantity(raw, bad);
    default: throw bad(`parameters of type ${param.type} are not supported`);
  }
}

type Bad = (why: string) => Error;

/** search.html#token: `[code]`, `[system]|[code]`, `|[code]` (no system), `[system]|` (any code). */
function parseToken(raw: string, bad: Bad): SearchValue {
  const parts = splitEscaped(raw, '|').map(unescapeSearchValue);
  if (parts.length === 1) return { kind: 'token', system: undefined, code: parts[0] };
  const [system, code] = parts;
  if (parts.length > 2 || (system === '' && code === '')) throw bad('expected [system|]code');
  // `system: ''` is the contract's "explicitly no system" (`|code`); the SQL compiler tests IS NULL.
  return { kind: 'token', system, code: code === '' ? undefined : code };
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\S+$/i;

/**
 * search.html#reference: `[id]`, `[type]/[id]` or an absolute URL (a canonical URL for
 * canonical targets). A URL that names no local Type/id is matched on `url` alone; the contract
 * then carries `targetId: ''`. With the server's base known, an absolute URL under it is the
 * local `Type/id` ("the server base is stripped", R4 references §2.3.0.1), and one on another
 * server is that server's resource: matched as written, never as our own resource of that id.
 */
function parseReferenceValue(value: string, targetType: string | undefined, localBase: string | undefined, bad: Bad): SearchValue {
  const isLocal = localBase !== undefined && value.startsWith(`${localBase}/`);
  const local = isLocal ? value.slice(localBase.length + 1) : value;
  const parsed = parseReference(local);
  if (parsed) {
    if (targetType !== undefined && parsed.type !== targetType) throw bad(`the reference is not to a ${targetType}`);
    const foreign = localBase !== undefined && !isLocal && ABSOLUTE_URL.test(value);
    if (foreign) return { kind: 'reference', targetType: undefined, targetId: '', url: value };
    return { kind: 'reference', targetType: parsed.type, targetId: parsed.id, url: isLocal ? `${parsed.type}/${parsed.id}` : value };
  }
  if (ID.test(value)) return { kind: 'reference', targetType, targetId: value, url: value };
  if (ABSOLUTE_URL.test(value)) return { kind: 'reference', targetType: undefined, targetId: '', url: value };
  throw bad('expected [type/]id or an absolute URL');
}

/** search.html#quantity: `[prefix][number]`, `[prefix][number]|[system]|[code]` or `…||[code]`. */
function parseQuantity(raw: string, bad: Bad): SearchValue {
  const { prefix, rest } = splitPrefix(raw);
  const parts = splitEscaped(rest, '|').map(unescapeSearchValue);
  if (parts.length !== 1 && parts.length !== 3) throw bad('expected [prefix]number[|system|code]');
  const range = numberRange(parts[0]!);
  if (!range) throw bad('expected [prefix]number[|system|code]');
  const system = parts[1] || undefined;
  const code = parts[2] || undefined;
  return { kind: 'quantity', prefix, ...approximate(prefix, range), system, code };
}

/**
 * search.html#prefix ap on a number or quantity: "the recommended value for the approximation is
 * 10% of the stated value"; the value's own precision range is widened by that much.
 */
function approximate(prefix: Prefix, range: NumberRange): NumberRange {
  if (prefix !== 'ap') return range;
  const slack = Math.abs(range.value) * 0.1;
  return { value: range.value, low: range.low - slack, high: range.high + slack };
}

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/;

/** search.html#prefix: an optional two-letter comparator before a number, date or quantity. */
function splitPrefix(raw: string): { prefix: Prefix; rest: string } {
  const m = PREFIX.exec(raw);
  return m ? { prefix: m[1] as Prefix, rest: raw.slice(2) } : { prefix: 'eq', rest: raw };
}
