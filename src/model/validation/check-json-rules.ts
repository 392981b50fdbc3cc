import { issue } from '../outcome/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';

/** Objects and arrays, counted together; a Bundle of Questionnaires stays far below this. */
export const MAX_DEPTH = 64;

// R4 datatypes.html#id
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Rules of the FHIR JSON format that hold whatever the resource type, checked in one iterative
 * pass (no recursion, so hostile nesting cannot overflow the stack) before the structure walk
 * (check-structure.ts), which recurses and so relies on the depth bound found here:
 *
 * - nesting deeper than MAX_DEPTH: answered alone, before anything recurses over the input;
 * - R4 json.html: strings, objects and arrays are never empty; an array never directly
 *   holds an array; values are JSON values (no functions, NaN, Dates… when called from code);
 * - property names inherited from Object.prototype (`__proto__`, `constructor`): no FHIR
 *   element has them, and code that tests names with `in` would take them for known ones;
 * - resource ids (`resourceType` marks a resource): the R4 definitions type `Resource.id` as a
 *   plain System.String, so the structure walk sees a string and not an `id`.
 *
 * Paths are FHIRPath: `_given[1]` (the primitive's extension part) is reported as `given[1]`.
 */
export function checkJsonRules(resource: Record<string, unknown>, rootPath: string): { tooDeep: boolean; issues: OperationOutcomeIssue[] } {
  const issues: OperationOutcomeIssue[] = [];
  const stack: { value: object; path: string; depth: number }[] = [{ value: resource, path: rootPath, depth: 1 }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, path, depth } = frame;
    if (depth > MAX_DEPTH) {
      return { tooDeep: true, issues: [issue('structure', `nesting too deep: more than ${MAX_DEPTH} levels of objects and arrays at ${path}`, path)] };
    }
    const children: [unknown, string][] = [];
    if (Array.isArray(value)) {
      if (value.length === 0) issues.push(issue('structure', `Empty array at ${path}: omit the element instead`, path));
      value.forEach((item: unknown, i) => {
        if (Array.isArray(item)) issues.push(issue('structure', `Array directly inside an array at ${path}[${i}]`, `${path}[${i}]`));
        else children.push([item, `${path}[${i}]`]);
      });
    } else {
      const keys = Object.keys(value);
      if (keys.length === 0 && depth > 1) issues.push(issue('structure', `Empty object at ${path}: omit the element instead`, path));
      const record = value as Record<string, unknown>;
      for (const key of keys) {
        const childPath = `${path}.${/^_[A-Za-z]/.test(key) ? key.slice(1) : key}`;
        const child = record[key];
        if (key in Object.prototype) issues.push(issue('structure', `Unknown element ${JSON.stringify(key)} at ${childPath}`, childPath));
        else if (key.startsWith('_') && !isPrimitivePartner(child, record[key.slice(1)])) issues.push(issue('structure', `Invalid JSON type at ${childPath}: ${key} must hold an object with id or extension (an array of those or null for a repeating element)`, childPath));
        else children.push([child, childPath]);
      }
      if (typeof record.resourceType === 'string' && typeof record.id === 'string' && !ID.test(record.id)) {
        issues.push(issue('value', `Invalid id format at ${path}.id: ${quote(record.id)} (1 to 64 of A-Z a-z 0-9 - .)`, `${path}.id`));
      }
    }
    for (let i = children.length - 1; i >= 0; i--) {
      const [child, childPath] = children[i] as [unknown, string];
      const problem = scalarProblem(child);
      if (problem) issues.push(issue(problem === 'Empty string' ? 'value' : 'structure', `${problem} at ${childPath}`, childPath));
      else if (typeof child === 'object' && child !== null) stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return { tooDeep: false, issues };
}

/** R4 json.html, primitive elements: `_name` carries a primitive's id and extensions, array for array. */
function isPrimitivePartner(value: unknown, primitive: unknown): boolean {
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(value)) return (primitive === undefined || Array.isArray(primitive)) && value.every((v) => v === null || isObject(v));
  return isObject(value) && !Array.isArray(primitive);
}

function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value === '' ? 'Empty string' : undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : 'Not a JSON number';
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      const proto: unknown = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null ? undefined : 'Not a JSON object';
    }
    default:
      return `Not a JSON value (${typeof value})`;
  }
}

export function quote(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
