import { normalizeSearchString } from './normalize-search-string.js';
import type { TypedValue } from './typed-value.js';

export interface TokenValue {
  system: string | null;
  code: string | null;
  /** Normalized (normalizeSearchString) display or text, for `:text`. */
  text: string | null;
}

/**
 * The tokens a token search parameter matches in one element, per the R4 search token table
 * (§3.1.1.4 token, search.html#token): Coding system|code, each coding of a CodeableConcept,
 * Identifier system|value, ContactPoint value (its `system` is phone/email, not a namespace),
 * and plain code/boolean/string/uri values without a system. Display and CodeableConcept.text
 * are kept normalized in `text` for the `:text` modifier ("the text or display associated with
 * the code").
 */
export function tokenValues(node: TypedValue): TokenValue[] {
  const v = node.value;
  switch (node.type) {
    case 'Coding': return codingToken(v as Coding);
    case 'CodeableConcept': {
      const concept = v as { coding?: Coding[]; text?: unknown };
      const out = (concept.coding ?? []).flatMap((c) => (c ? codingToken(c) : []));
      if (typeof concept.text === 'string' && concept.text !== '') out.push({ system: null, code: null, text: normalizeSearchString(concept.text) });
      return out;
    }
    case 'Identifier': {
      const id = v as { system?: unknown; value?: unknown; type?: { text?: unknown } };
      if (typeof id.value !== 'string' && typeof id.system !== 'string') return [];
      return [{ system: str(id.system), code: str(id.value), text: textOf(id.type?.text) }];
    }
    case 'ContactPoint': {
      const value = str((v as { value?: unknown }).value);
      return value === null ? [] : [{ system: null, code: value, text: null }];
    }
    default:
      if (typeof v === 'string' && v !== '') return [{ system: null, code: v, text: null }];
      if (typeof v === 'boolean' || typeof v === 'number') return [{ system: null, code: String(v), text: null }];
      return [];
  }
}

interface Coding {
  system?: unknown;
  code?: unknown;
  display?: unknown;
}

function codingToken(coding: Coding): TokenValue[] {
  const system = str(coding.system);
  const code = str(coding.code);
  const text = textOf(coding.display);
  return system === null && code === null && text === null ? [] : [{ system, code, text }];
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? normalizeSearchString(value) : null;
}
