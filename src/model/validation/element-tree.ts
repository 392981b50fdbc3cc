import { expandValueSets, type AllowedCodes } from './expand-value-sets.js';
import { loadR4Profiles, type SlimElement } from './load-r4-profiles.js';

/**
 * Per type (resource or data type), the JSON properties the required-binding check must follow:
 * coded elements with an enumerable required binding, complex children (data types and backbone
 * elements, which may hold coded elements further down, extensions included) and slots that hold
 * whole resources (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`).
 * Primitive elements without such a binding are left out. Compiled on first use per type and
 * kept: immutable data derived from the R4 definitions.
 */

export interface ElementNode {
  /** By JSON property name: `gender`, `valueQuantity` (one entry per type of a choice element). */
  children: Map<string, ChildElement>;
}

export interface ChildElement {
  /** The type code: `code`, `Coding`, `HumanName`, `BackboneElement`, `Resource`, … */
  type: string;
  /** For coded elements under a required binding that could be enumerated. */
  allowed?: AllowedCodes;
  /** Backbone elements carry their own node; data types are looked up with `nodeForType`. */
  node?: ElementNode;
}

const CODED = new Set(['code', 'Coding', 'CodeableConcept']);

let allowedByValueSet: Map<string, AllowedCodes> | undefined;
const nodes = new Map<string, ElementNode | null>();

/** The node for a resource or complex data type; undefined for primitives and unknown names. */
export function nodeForType(type: string): ElementNode | undefined {
  let node = nodes.get(type);
  if (node === undefined) {
    const elements = loadR4Profiles().elements.get(type);
    node = elements && isComplex(type) ? compile(type, elements) : null;
    nodes.set(type, node);
  }
  return node ?? undefined;
}

function allowedCodes(): Map<string, AllowedCodes> {
  allowedByValueSet ??= expandValueSets(loadR4Profiles().requiredValueSets);
  return allowedByValueSet;
}

function compile(type: string, elements: SlimElement[]): ElementNode {
  const byPath = new Map<string, ElementNode>([[type, { children: new Map() }]]);
  const references: { child: ChildElement; target: string }[] = [];
  for (const element of elements) {
    const cut = element.path.lastIndexOf('.');
    const parent = cut > 0 ? byPath.get(element.path.slice(0, cut)) : undefined;
    if (!parent) continue;
    const name = element.path.slice(cut + 1);
    if (element.contentReference) {
      const child: ChildElement = { type: 'BackboneElement' };
      references.push({ child, target: element.contentReference });
      parent.children.set(name, child);
      continue;
    }
    const choice = name.endsWith('[x]');
    for (const code of element.types) {
      const key = choice ? name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1) : name;
      const child: ChildElement = { type: code };
      const allowed = element.requiredValueSet && CODED.has(code) ? allowedCodes().get(element.requiredValueSet) : undefined;
      if (allowed) child.allowed = allowed;
      if (code === 'BackboneElement' || code === 'Element') {
        // Inline element definitions (Patient.contact, Timing.repeat): their children follow.
        child.node = { children: new Map() };
        byPath.set(element.path, child.node);
      }
      if (child.allowed || isComplex(code)) parent.children.set(key, child);
    }
  }
  for (const { child, target } of references) {
    const node = byPath.get(target);
    if (node) child.node = node;
  }
  return byPath.get(type) as ElementNode;
}

/** FHIR names complex types and resources with a capital, primitives in lower case. */
function isComplex(code: string): boolean {
  const first = code.charCodeAt(0);
  return first >= 65 && first <= 90;
}
