import type { Resource } from '../fhir-types.js';

/** Every `reference` string anywhere inside a resource, in document order. */
export function referencesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => referencesIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') found.push(v);
      else referencesIn(v, found);
    }
  }
  return found;
}

/**
 * The references in a list that do not point at a resource listed before them, as
 * "<source> -> <reference>". Empty when the list can be loaded in order into an empty store
 * with referential integrity checked at every write.
 */
export function findUnresolvedReferences(resources: readonly Resource[]): string[] {
  const seen = new Set<string>();
  const unresolved: string[] = [];
  for (const r of resources) {
    for (const ref of referencesIn(r)) if (!seen.has(ref)) unresolved.push(`${r.resourceType}/${r.id} -> ${ref}`);
    seen.add(`${r.resourceType}/${r.id}`);
  }
  return unresolved;
}
