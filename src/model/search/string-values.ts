import type { TypedValue } from './typed-value.js';

/**
 * The strings a string search parameter matches in one element (R4 search §3.1.1.4 string,
 * search.html#string): a HumanName matches on "any of the string fields … family, given,
 * prefix, suffix, and/or text", an Address on "line, city, district, state, country,
 * postalCode, and/or text".
 */
export function stringValues(node: TypedValue): string[] {
  const v = node.value as Record<string, unknown>;
  switch (node.type) {
    case 'HumanName': return strings(v.text, v.family, v.given, v.prefix, v.suffix);
    case 'Address': return strings(v.text, v.line, v.city, v.district, v.state, v.postalCode, v.country);
    case 'CodeableConcept': return strings(v.text, ...arrayOf(v.coding).map((c) => (c as Record<string, unknown>).display));
    case 'Coding': return strings(v.display);
    case 'Identifier': return strings(v.value);
    case 'ContactPoint': return strings(v.value);
    case 'Annotation': return strings(v.text);
    default: return strings(node.value);
  }
}

function strings(...values: unknown[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string' && item !== '') out.push(item);
    } else if (typeof value === 'string' && value !== '') out.push(value);
  }
  return out;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
