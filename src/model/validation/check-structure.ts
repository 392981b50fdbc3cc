import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { quote } from './check-json-rules.js';
import { checkPrimitive } from './check-primitive.js';
import { checkReferenceTarget } from './check-reference-target.js';
import { checkRequiredBinding } from './check-required-binding.js';
import { typeNode, type PropertyRule, type TypeNode } from './compile-type-node.js';

type Json = Record<string, unknown>;
type Issues = OperationOutcomeIssue[];

/**
 * The structure of a resource against its R4 StructureDefinition, in one walk of the JSON along
 * the compiled element tree (compile-type-node.ts):
 *
 * - element names: every property is an element of its type, a choice type the element allows
 *   (`valueQuantity`) or the `_` partner of a primitive (R4 §2.6.2 json.html);
 * - JSON types: the JSON type of each primitive, objects for data types, backbone elements and
 *   resources, arrays exactly for repeating elements (never for max 1);
 * - cardinality: elements with min > 0 present (also by their `_` partner alone), max;
 * - one property per choice element, and a `_` partner of the same choice type as its value;
 * - primitive formats (check-primitive.ts, R4 §2.24.0.1), nulls only where a primitive array
 *   lines up with its `_` partner;
 * - nested resources (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`)
 *   against their own type, references against the allowed target types, codes under required
 *   bindings;
 * - two invariants that are structural: ele-1 (every element has a value or children) and ext-1
 *   (an extension has a value or nested extensions, not both).
 *
 * No other invariant is checked: the other ~200 FHIRPath constraints of error severity in the R4
 * definitions (con-4, obs-6, dom-2, txt-1…) each need a FHIRPath evaluation, repeated at every
 * element they sit on; that is what made Medplum's validator cost 150-350 µs per resource. They
 * are rules of each resource's content, not the shape of its JSON (check-narrative.ts covers
 * the part of txt-1 and txt-2 that matters for safety). Expects input already checked by
 * check-json-rules.ts (depth bounded, so the recursion here is too).
 */
export function checkStructure(resource: Json, type: string): Issues {
  const issues: Issues = [];
  const node = typeNode(type);
  if (node) checkObject(resource, node, type, issues);
  return issues;
}

function checkObject(object: Json, node: TypeNode, path: string, issues: Issues): void {
  // Choice element → the property seen for it (`value` → `valueQuantity`).
  let choices: Map<string, string> | undefined;
  for (const key in object) {
    if (key === 'resourceType' && node.resource) continue;
    const partner = key.charCodeAt(0) === 95; // `_birthDate`
    const name = partner ? key.slice(1) : key;
    const rule = node.properties.get(name);
    if (rule === undefined || (partner && (rule.kind === 'object' || rule.kind === 'resource'))) {
      // At the JSON key as it is: `_name` (no partner for a HumanName) has no FHIRPath of its own.
      issues.push(issue('structure', `Unknown element ${quote(key)} at ${path}.${key}`, `${path}.${key}`));
      continue;
    }
    const at = `${path}.${name}`;
    if (rule.choice !== undefined) {
      choices ??= new Map();
      const seen = choices.get(rule.choice);
      if (seen === undefined) choices.set(rule.choice, name);
      else if (seen !== name) reportChoiceConflict(object, seen, name, path, issues);
    }
    if (!partner) checkValue(object[key], rule.kind === 'object' || rule.kind === 'resource' ? undefined : object[`_${key}`], rule, at, issues);
    else if (object[name] === undefined) checkValue(undefined, object[key], rule, at, issues);
  }
  for (const required of node.required) {
    if (!required.keys.some((k) => object[k] !== undefined)) {
      issues.push(issue('required', `Missing required element ${path}.${required.name}`, `${path}.${required.name}`));
    }
  }
  if (node.extension && (choices?.has('value') === true) === (object.extension !== undefined)) {
    issues.push(issue('invariant', `Constraint ext-1 not met: Must have either extensions or value[x], not both at ${path}`, path));
  }
}

/** R4 §2.6.2 json.html, choice elements: one type only, and a `_` partner of that same type. */
function reportChoiceConflict(object: Json, seen: string, name: string, path: string, issues: Issues): void {
  if (object[seen] !== undefined && object[name] !== undefined) {
    issues.push(issue('structure', `Only one type of a choice element may be present: found both ${seen} and ${name} at ${path}`, `${path}.${name}`));
  } else {
    const lone = object[name] === undefined ? name : seen;
    issues.push(issue('structure', `The extension part _${lone} does not match the value's choice type at ${path}`, `${path}.${lone}`));
  }
}

/** A property's value (undefined when only its `_` partner is there) and that partner. */
function checkValue(value: unknown, partner: unknown, rule: PropertyRule, path: string, issues: Issues): void {
  if (!rule.array) {
    if (Array.isArray(value)) issues.push(issue('structure', `Invalid JSON type: expected a single value, not an array, at ${path}`, path));
    else if (value === null) issues.push(issue('structure', `Invalid null value at ${path}`, path));
    else checkItem(value, partner, rule, path, issues);
    return;
  }
  if (value !== undefined && !Array.isArray(value)) {
    issues.push(issue('structure', value === null ? `Invalid null value at ${path}` : `Invalid JSON type: expected an array, but got ${kindOf(value)} at ${path}`, path));
    return;
  }
  // A primitive array and its partner line up, null filling the gaps (R4 §2.6.2, repeating primitives).
  const values = value ?? [];
  const partners = Array.isArray(partner) ? partner : undefined;
  const length = Math.max(values.length, partners?.length ?? 0);
  for (let i = 0; i < length; i++) checkItem(values[i], partners?.[i], rule, `${path}[${i}]`, issues);
  if (values.length > rule.max) issues.push(issue('structure', `Too many values at ${path}: at most ${rule.max}`, path));
}

function checkItem(value: unknown, partner: unknown, rule: PropertyRule, path: string, issues: Issues): void {
  if (value === undefined || value === null) {
    if (isObject(partner)) checkPartner(partner, false, path, issues);
    else if (value === null || partner === null) issues.push(issue('structure', `Invalid null value at ${path}`, path));
    return;
  }
  if (rule.kind === 'object') checkComplex(value, rule, path, issues);
  else if (rule.kind === 'resource') checkResource(value, path, issues);
  else if (typeof value !== rule.kind) issues.push(issue('structure', `Invalid JSON type: expected ${rule.kind}, but got ${kindOf(value)} at ${path}`, path));
  else {
    const problem = checkPrimitive(rule.type, value as string | number | boolean);
    if (problem !== undefined) issues.push(issue('value', `${problem} at ${path}: ${quote(value)}`, path));
    else if (rule.allowed) checkRequiredBinding(value, rule.type, rule.allowed, path, issues);
    if (isObject(partner)) checkPartner(partner, true, path, issues);
  }
}

/** A data type or backbone element. */
function checkComplex(value: unknown, rule: PropertyRule, path: string, issues: Issues): void {
  if (!isObject(value)) {
    issues.push(issue('structure', `Invalid JSON type: expected an object, but got ${kindOf(value)} at ${path}`, path));
    return;
  }
  if (rule.targets) checkReferenceTarget(value, rule.targets, path, issues);
  if (rule.allowed) checkRequiredBinding(value, rule.type, rule.allowed, path, issues);
  const node = rule.node ?? (rule.node = typeNode(rule.type));
  if (node) checkObject(value, node, path, issues);
  if (!hasChildren(value)) issues.push(ele1(path));
}

/** A whole resource in `contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`. */
function checkResource(value: unknown, path: string, issues: Issues): void {
  if (!isObject(value)) {
    issues.push(issue('structure', `Invalid JSON type: expected a resource, but got ${kindOf(value)} at ${path}`, path));
    return;
  }
  const type = value.resourceType;
  if (typeof type !== 'string' || !isResourceType(type)) {
    const what = type === undefined ? 'has no resourceType' : `has unknown resourceType ${quote(type)}`;
    issues.push(issue('structure', `The resource at ${path} ${what}`, path));
    return;
  }
  const node = typeNode(type);
  if (node) checkObject(value, node, path, issues);
}

/** The `_` partner of a primitive: an Element (id, extensions), at the primitive's FHIRPath. */
function checkPartner(partner: Json, hasValue: boolean, path: string, issues: Issues): void {
  checkObject(partner, typeNode('Element') as TypeNode, path, issues);
  if (!hasValue && partner.extension === undefined) issues.push(ele1(path));
}

function ele1(path: string): OperationOutcomeIssue {
  return issue('invariant', `Constraint ele-1 not met: All FHIR elements must have a @value or children at ${path}`, path);
}

/** ele-1: children other than `id`. */
function hasChildren(object: Json): boolean {
  for (const key in object) if (key !== 'id') return true;
  return false;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
