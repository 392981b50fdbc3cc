import { parseReference } from './parse-reference.js';
import type { TokenValue } from './token-values.js';
import type { TypedValue } from './typed-value.js';

export interface ReferenceValue {
  targetType: string | null;
  targetId: string | null;
  url: string;
}

/**
 * What a reference search parameter matches in one element (R4 search §3.1.1.4 reference,
 * search.html#reference). A literal reference (`Patient/1`, or absolute `…/Patient/1`) keeps its
 * type and id; a canonical or uri keeps only its url (matched as written). Contained
 * references (`#x`) point inside the resource and are not indexed. A logical reference
 * (`Reference.identifier`) becomes a token under the same parameter, for `:identifier`
 * (search.html#modifiers: "identifier … tests whether the Reference.identifier … matches").
 * An absolute reference names a local Type/id only when it is under `localBase` (when known):
 * one to another server keeps just its url, so `subject=Patient/1` never matches it.
 */
export function referenceValues(node: TypedValue, localBase?: string): { references: ReferenceValue[]; identifiers: TokenValue[] } {
  const v = node.value;
  if (typeof v === 'string') return { references: v === '' ? [] : [{ targetType: null, targetId: null, url: v }], identifiers: [] };
  if (typeof v !== 'object' || v === null) return NONE;
  if (node.type !== 'Reference') {
    // A whole resource, as in `Bundle.entry[0].resource` (the `composition` and `message` params).
    const resource = v as { resourceType?: unknown; id?: unknown };
    if (typeof resource.resourceType !== 'string' || typeof resource.id !== 'string') return NONE;
    return { references: [{ targetType: resource.resourceType, targetId: resource.id, url: `${resource.resourceType}/${resource.id}` }], identifiers: [] };
  }
  const ref = v as { reference?: unknown; identifier?: { system?: unknown; value?: unknown } };
  const references: ReferenceValue[] = [];
  if (typeof ref.reference === 'string' && ref.reference !== '' && !ref.reference.startsWith('#')) {
    const parsed = isForeign(ref.reference, localBase) ? undefined : parseReference(ref.reference);
    references.push({ targetType: parsed?.type ?? null, targetId: parsed?.id ?? null, url: ref.reference });
  }
  const identifiers: TokenValue[] = [];
  const id = ref.identifier;
  if (id && typeof id.value === 'string') identifiers.push({ system: typeof id.system === 'string' ? id.system : null, code: id.value, text: null });
  return { references, identifiers };
}

const NONE = { references: [], identifiers: [] };

function isForeign(reference: string, localBase: string | undefined): boolean {
  return localBase !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(reference) && !reference.startsWith(`${localBase}/`);
}
