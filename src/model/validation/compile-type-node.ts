import { expandValueSets, type AllowedCodes } from './expand-value-sets.js';
import { jsonKindOf, type JsonKind } from './check-primitive.js';
import { loadR4Profiles, type SlimElement } from './load-r4-profiles.js';

/**
 * Per resource or complex data type, the rules of its JSON properties, compiled from the R4
 * snapshot on first use and kept (immutable data derived from the definitions, so a cache and not
 * state). A validation then costs one Map lookup per property.
 */

/** `object`: a data type or backbone element; `resource`: a whole resource (`contained`, `Bundle.entry.resource`). */
export type ValueKind = JsonKind | 'object' | 'resource';

export interface PropertyRule {
  /** The FHIR type: `string`, `HumanName`, `BackboneElement`, `Resource`… */
  type: string;
  kind: ValueKind;
  /** A JSON array (R4 §2.6.2 json.html: exactly the elements whose base max is above 1). */
  array: boolean;
  max: number;
  /** For a property of a choice element (`valueQuantity`): the element's name (`value`). */
  choice?: string;
  /** Children of an object property, once known: inline (backbone) or of the data type. */
  node?: TypeNode;
  /** Allowed target resource types of a Reference; undefined for any. */
  targets?: string[];
  /** Codes of a required binding on a code, Coding or CodeableConcept that could be enumerated. */
  allowed?: AllowedCodes;
}

export interface RequiredElement {
  /** As in the definition: `subject`, `medication[x]`. */
  name: string;
  min: number;
  /** The JSON properties that carry it, and their `_` partners (a primitive may carry only extensions). */
  keys: string[];
}

export interface TypeNode {
  /** By JSON property name: `gender`, `valueQuantity` (one entry per type of a choice element). */
  properties: Map<string, PropertyRule>;
  required: RequiredElement[];
  /** A resource: `resourceType` is part of its JSON (R4 §2.6.1). */
  resource: boolean;
  /** An Extension, held to ext-1. */
  extension: boolean;
}

const CODED = new Set(['code', 'Coding', 'CodeableConcept']);

let allowedByValueSet: Map<string, AllowedCodes> | undefined;
const nodes = new Map<string, TypeNode | null>();

/** The node of a resource or complex data type; undefined for primitives and unknown names. */
export function typeNode(type: string): TypeNode | undefined {
  let node = nodes.get(type);
  if (node === undefined) {
    const elements = loadR4Profiles().elements.get(type);
    node = elements && isComplex(type) ? compile(type, elements) : null;
    nodes.set(type, node);
  }
  return node ?? undefined;
}

/**
 * Compiles every resource's node and the required value sets now, so that no request pays for
 * it (the first validation of a cold process took ~1 s). Part of `warmR4Definitions`.
 */
export function compileAllTypeNodes(): void {
  for (const type of loadR4Profiles().resources) typeNode(type);
  allowedCodes();
}

function compile(type: string, elements: SlimElement[]): TypeNode {
  const byPath = new Map<string, TypeNode>([[type, emptyNode(loadR4Profiles().resources.has(type), type === 'Extension')]]);
  const references: { rule: PropertyRule; target: string }[] = [];
  for (const element of elements) {
    const cut = element.path.lastIndexOf('.');
    const parent = cut > 0 ? byPath.get(element.path.slice(0, cut)) : undefined;
    if (!parent) continue;
    const name = element.path.slice(cut + 1);
    if (element.max === 0) continue;
    if (element.contentReference) {
      // `Questionnaire.item.item` reuses `Questionnaire.item`, compiled earlier in the snapshot.
      const rule: PropertyRule = { type: 'BackboneElement', kind: 'object', array: element.array, max: element.max };
      references.push({ rule, target: element.contentReference });
      parent.properties.set(name, rule);
      addRequired(parent, element, [name]);
      continue;
    }
    const choice = name.endsWith('[x]') ? name.slice(0, -3) : undefined;
    const keys: string[] = [];
    for (const { code, targets } of element.types) {
      const key = choice === undefined ? name : choice + code.charAt(0).toUpperCase() + code.slice(1);
      const rule: PropertyRule = { type: code, kind: kindOf(code), array: element.array, max: element.max };
      if (choice !== undefined) rule.choice = choice;
      if (targets) rule.targets = targets;
      const allowed = element.requiredValueSet && CODED.has(code) ? allowedCodes().get(element.requiredValueSet) : undefined;
      if (allowed) rule.allowed = allowed;
      if (code === 'BackboneElement' || code === 'Element') {
        // Inline definitions (Patient.contact, Timing.repeat): their children follow in the snapshot.
        rule.node = emptyNode(false, false);
        byPath.set(element.path, rule.node);
      }
      parent.properties.set(key, rule);
      keys.push(key);
    }
    addRequired(parent, element, keys);
  }
  for (const { rule, target } of references) {
    const node = byPath.get(target);
    if (node) rule.node = node;
  }
  // An `Element` typed element without children of its own is a plain Element.
  for (const node of byPath.values()) {
    for (const rule of node.properties.values()) if (rule.node && rule.node.properties.size === 0) delete rule.node;
  }
  return byPath.get(type) as TypeNode;
}

function addRequired(parent: TypeNode, element: SlimElement, keys: string[]): void {
  if (element.min === 0) return;
  const name = element.path.slice(element.path.lastIndexOf('.') + 1);
  parent.required.push({ name, min: element.min, keys: [...keys, ...keys.map((k) => `_${k}`)] });
}

function emptyNode(resource: boolean, extension: boolean): TypeNode {
  return { properties: new Map(), required: [], resource, extension };
}

function kindOf(code: string): ValueKind {
  if (code === 'Resource') return 'resource';
  return isComplex(code) ? 'object' : jsonKindOf(code);
}

function allowedCodes(): Map<string, AllowedCodes> {
  allowedByValueSet ??= expandValueSets(loadR4Profiles().requiredValueSets);
  return allowedByValueSet;
}

/** FHIR names complex types and resources with a capital, primitives in lower case. */
function isComplex(code: string): boolean {
  const first = code.charCodeAt(0);
  return first >= 65 && first <= 90;
}
