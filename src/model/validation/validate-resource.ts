import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { checkJsonRules, quote } from './check-json-rules.js';
import { checkStructure } from './check-structure.js';

type Json = Record<string, unknown>;

/**
 * Validates a resource against the base R4 specification; an empty answer means valid. Every
 * issue has `severity` (always `error`), `code`, `diagnostics` naming the element, and the
 * FHIRPath `expression` of the exact element (array indices, actual choice property).
 *
 * In order:
 * 1. a JSON object with an R4 `resourceType`, nested at most MAX_DEPTH deep (else that one issue);
 * 2. FHIR JSON rules that hold whatever the type (check-json-rules.ts);
 * 3. the structure against the R4 StructureDefinitions: element names, JSON types, cardinality,
 *    required elements, primitive formats, references, required bindings, ele-1 and ext-1
 *    (check-structure.ts). FHIRPath invariants are not checked: see there why.
 *
 * Issues found at an element by step 2 win over step 3's at the same element or below (an empty
 * string is better explained as such than as a bad format). Nothing thrown escapes: a crash on
 * odd input becomes a `structure` issue.
 *
 * The IssueType says what is wrong, and the write path's status follows from it: `structure`
 * (unknown element, wrong JSON type), `value` (format), `invalid` (no resource) are 400;
 * `required` (missing element), `code-invalid` (binding), `invariant` (ele-1, ext-1) are 422.
 */
export function validateResource(resource: unknown): OperationOutcomeIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [issue('structure', `A resource must be a JSON object, not ${resource === null ? 'null' : Array.isArray(resource) ? 'an array' : typeof resource}`, '$this')];
  }
  const json = resource as Json;
  const type = json.resourceType;
  if (typeof type !== 'string' || !isResourceType(type)) {
    const what = type === undefined ? 'Missing resourceType' : `Unknown resourceType ${quote(type)}: not an R4 resource type`;
    return [issue('invalid', what, 'resourceType')];
  }

  const { tooDeep, issues } = checkJsonRules(json, type);
  if (tooDeep) return issues;
  const structure = guard(() => checkStructure(json, type));
  const found = merge(issues, structure ?? []);
  // A check tripping on odd input is expected when another check already found it odd.
  if (structure === undefined && found.length === 0) {
    return [issue('structure', `The ${type} could not be validated: its content does not have the shape of a FHIR resource`, type)];
  }
  return found;
}

/** Runs a check; undefined when it crashed (a bug, but a write must get an answer). */
function guard(check: () => OperationOutcomeIssue[]): OperationOutcomeIssue[] | undefined {
  try {
    return check();
  } catch {
    return undefined;
  }
}

/** Step 2 issues first; then the others, skipping repeats and what lies in an element step 2 explained. */
function merge(jsonIssues: OperationOutcomeIssue[], ...others: OperationOutcomeIssue[][]): OperationOutcomeIssue[] {
  const explained = new Set(jsonIssues.map((i) => i.expression?.[0] ?? ''));
  const seen = new Set<string>();
  const result = [...jsonIssues];
  for (const found of others.flat()) {
    const where = found.expression?.[0] ?? '';
    const key = `${where}\u0000${found.code}`;
    if (seen.has(key) || within(where, explained)) continue;
    seen.add(key);
    result.push(found);
  }
  return result;
}

/** Whether the path or one of its ancestors (`a.b[1].c` → `a.b[1]` → `a.b` → `a`) is in the set. */
function within(path: string, set: Set<string>): boolean {
  for (let at = path; at.length > 0; at = at.slice(0, Math.max(at.lastIndexOf('.'), at.lastIndexOf('['), 0))) {
    if (set.has(at)) return true;
  }
  return false;
}
