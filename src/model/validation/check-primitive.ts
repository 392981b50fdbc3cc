import { checkNarrative } from './check-narrative.js';

/**
 * The value of a FHIR primitive: its JSON type and its format (FHIR R4 §2.24.0.1 datatypes.html,
 * primitive types; the JSON types per R4 §2.6.2 json.html: boolean as JSON true/false, the four
 * numeric types as JSON numbers, every other primitive as a JSON string).
 *
 * The format regexes are those of the R4 StructureDefinitions (the `regex` extension on each
 * primitive's `value`), anchored. They are written in XML Schema syntax, where `\s` means only
 * space, tab, CR and LF, hence `[ \t\n\r]` below where JavaScript's `\s` would be wider.
 */

export type JsonKind = 'string' | 'number' | 'boolean';

/** R4 §2.6.2: the JSON type of each primitive; the rest (string-like) are JSON strings. */
export function jsonKindOf(type: string): JsonKind {
  if (type === 'boolean') return 'boolean';
  if (type === 'decimal' || type === 'integer' || type === 'positiveInt' || type === 'unsignedInt') return 'number';
  return 'string';
}

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const anchored = (source: string) => new RegExp(`^(?:${source})$`);

/** R4 regexes, by type (base64Binary, xhtml and the strings are checked by code below). */
export const FORMATS: Readonly<Record<string, RegExp>> = {
  date: anchored(`${YEAR}(-${MONTH}(-${DAY})?)?`),
  // R4: a time needs seconds and a zone ("If hours and minutes are specified, a time zone SHALL be populated").
  dateTime: anchored(`${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?`),
  instant: anchored(`${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}`),
  time: anchored(TIME),
  code: /^[^ \t\n\r]+(?:[ \t\n\r][^ \t\n\r]+)*$/,
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  uri: /^[^ \t\n\r]*$/,
  url: /^[^ \t\n\r]*$/,
  canonical: /^[^ \t\n\r]*$/,
};

/** R4 §2.24.0.1: integer is a signed 32-bit value; positiveInt and unsignedInt its positive part. */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** R4 string: at most 1 MB. */
const MAX_STRING = 1024 * 1024;

/**
 * Characters a string may hold: none below U+0020 except tab, LF and CR (R4 string; XML 1.0, the
 * other FHIR format, cannot carry them at all).
 */
const STRING_CHARS = /^[\t\n\r\u0020-\uFFFF]*$/;

/**
 * What is wrong with a primitive value of the right JSON type, or undefined when it is fine.
 * Empty strings and non-finite numbers are reported by check-json-rules.ts.
 */
export function checkPrimitive(type: string, value: string | number | boolean): string | undefined {
  if (typeof value === 'number') return numberProblem(type, value);
  if (typeof value !== 'string') return undefined;
  const format = FORMATS[type];
  if (format !== undefined) return format.test(value) ? undefined : `Invalid ${type} format`;
  if (type === 'base64Binary') return isBase64(value) ? undefined : 'Invalid base64Binary format';
  if (type === 'xhtml') return checkNarrative(value);
  // string, markdown
  if (value.length > MAX_STRING) return 'String cannot be larger than 1 MB';
  if (value.trim() === '') return 'String must contain non-whitespace content';
  return STRING_CHARS.test(value) ? undefined : `Invalid ${type} format: control characters`;
}

function numberProblem(type: string, value: number): string | undefined {
  if (type === 'decimal') return undefined;
  if (!Number.isInteger(value)) return 'Expected number to be an integer';
  if (value > INT_MAX || value < INT_MIN) return 'Expected number to be a 32-bit integer';
  if (type === 'positiveInt' && value < 1) return 'Expected number to be positive';
  if (type === 'unsignedInt' && value < 0) return 'Expected number to be non-negative';
  return undefined;
}

/**
 * R4 base64Binary regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`: groups of four alphabet characters,
 * whitespace only between groups. Scanned by hand: that regex backtracks badly on long input
 * with whitespace, and attachments are long.
 */
function isBase64(value: string): boolean {
  let inGroup = 0;
  let groups = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (inGroup !== 0) return false;
      continue;
    }
    const alphabet = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
    if (!alphabet) return false;
    inGroup = (inGroup + 1) % 4;
    if (inGroup === 0) groups++;
  }
  return inGroup === 0 && groups > 0;
}
