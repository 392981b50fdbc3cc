import { OperationOutcomeError as MedplumOutcomeError, validateResource as medplumValidate } from '@medplum/core';
import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { checkJsonRules, quote } from './check-json-rules.js';
import { checkRequiredBindings } from './check-required-bindings.js';
import { convertMedplumIssues, type MedplumIssue } from './convert-medplum-issues.js';
import { loadR4Profiles } from './load-r4-profiles.js';

type Json = Record<string, unknown>;

/**
 * Validates a resource against the base R4 specification; an empty answer means valid. Every
 * issue has `severity` (always `error`), `code`, `diagnostics` naming the element, and the
 * FHIRPath `expression` of the exact element (array indices, actual choice property).
 *
 * In order:
 * 1. a JSON object with an R4 `resourceType`, nested at most MAX_DEPTH deep (else that one issue);
 * 2. FHIR JSON rules Medplum misses (check-json-rules.ts);
 * 3. Medplum's StructureDefinition validator: element names, types, cardinality, required
 *    elements, primitive formats, invariants;
 * 4. codes under required bindings (check-required-bindings.ts), which Medplum does not check.
 *
 * Issues found at an element by step 2 win over Medplum's at the same element (an empty string
 * is better explained as such than as a missing element). Nothing thrown escapes: a crash of a
 * validator on odd input becomes a `structure` issue.
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
  const structure = guard(() => structureIssues(json));
  const bindings = guard(() => checkRequiredBindings(json));
  const found = merge(issues, structure ?? [], bindings ?? []);
  // A validator tripping on odd input is expected when another check already found it odd.
  if ((structure === undefined || bindings === undefined) && found.length === 0) {
    return [issue('structure', `The ${type} could not be validated: its content does not have the shape of a FHIR resource`, type)];
  }
  return found;
}

function structureIssues(resource: Json): OperationOutcomeIssue[] {
  loadR4Profiles();
  try {
    // Warnings come back (not thrown); some of them are errors in R4 (see convert-medplum-issues.ts).
    return convertMedplumIssues(medplumValidate(resource as Parameters<typeof medplumValidate>[0]) as MedplumIssue[], resource);
  } catch (err) {
    if (err instanceof MedplumOutcomeError) return convertMedplumIssues((err.outcome.issue ?? []) as MedplumIssue[], resource);
    throw err;
  }
}

/** Runs a check; undefined when it crashed (Medplum throws TypeErrors on some malformed input). */
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
