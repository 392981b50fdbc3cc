import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { quote } from './check-json-rules.js';
import { findObjects, resolveExpression } from './resolve-expression.js';

/** The parts of a Medplum (@medplum/fhirtypes) issue we read. */
export interface MedplumIssue {
  severity?: string;
  code?: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

type Json = Record<string, unknown>;

const VALUE_PROBLEM = /^(Invalid \w+ format|Invalid numeric value|Expected number to be|String must contain|String cannot be)/;

/**
 * For medplum-oracle.ts (tests only). Medplum's issues in our form: the exact element (see resolve-expression.ts), diagnostics that
 * name it (Medplum puts its message in `details.text` and a JSON blob in `diagnostics`), and the
 * IssueType that says what is wrong (`required`, `value`) rather than `structure` for all.
 *
 * Medplum reports three real errors only as warnings "to avoid breaking existing code"; they are
 * errors in R4, so they come back as such: two properties for one choice element (json.html,
 * choice elements), a primitive and its `_` partner of different choice types, and a reference to a
 * resource type the element does not allow. Its reference warning also fires for `urn:uuid:`
 * and absolute references, which are fine: kept only when the target is a resource type.
 */
export function convertMedplumIssues(issues: MedplumIssue[], resource: Json): OperationOutcomeIssue[] {
  // Issues without a usable path are located by scanning the resource, which finds every
  // occurrence at once: scan once per message, or a hostile Bundle makes this quadratic.
  const scanned = new Set<string>();
  return issues.flatMap((medplum) => {
    const text = medplum.details?.text ?? '';
    const scans = medplum.severity === 'warning' ? !text.startsWith('Invalid reference') : text.startsWith('Unknown data type');
    if (scans && scanned.has(text)) return [];
    scanned.add(text);
    return medplum.severity === 'warning' ? convertWarning(medplum, resource) : [convertError(medplum, resource)];
  });
}

function convertError(medplum: MedplumIssue, resource: Json): OperationOutcomeIssue {
  const text = medplum.details?.text ?? 'Invalid resource';
  const unknownType = /^Unknown data type: (.*)$/.exec(text);
  if (unknownType) {
    // Medplum stops at the first; the required-binding walk reports every one, with its path.
    const where = findObjects(resource, (o) => o.resourceType === unknownType[1])[0]?.path;
    return issue('structure', `Unknown resourceType ${quote(unknownType[1])} at ${where ?? 'resourceType'}`, where ?? 'resourceType');
  }
  const raw = medplum.expression?.[0] ?? String(resource.resourceType);
  if (text === 'Missing required property') {
    const { expression } = resolveExpression(raw, resource, { missing: true });
    return issue('required', `Missing required element ${expression}`, expression);
  }
  const additional = /^Invalid additional property "(.*)"$/.exec(text);
  if (additional) {
    // Medplum lists the characters of a string given where an object belongs as properties "0", "1"…
    const parent = resolveExpression(raw.slice(0, raw.lastIndexOf('.')), resource);
    const kind = Array.isArray(parent.value) ? 'array' : typeof parent.value;
    if (kind !== 'object' && kind !== 'undefined') return issue('structure', `Invalid JSON type: expected an object, but got ${kind} at ${parent.expression}`, parent.expression);
    const { expression } = resolveExpression(raw, resource);
    return issue('structure', `Unknown element ${quote(additional[1])} at ${expression}`, expression);
  }
  const { expression, value } = resolveExpression(raw, resource);
  if (medplum.code === 'invariant') return issue('invariant', `${text} at ${expression}`, expression);
  if (medplum.code === 'processing') return issue('processing', `A constraint could not be evaluated at ${expression}`, expression);
  if (VALUE_PROBLEM.test(text)) return issue('value', `${text} at ${expression}: ${quote(value)}`, expression);
  return issue(medplum.code ?? 'invalid', `${text} at ${expression}`, expression);
}

function convertWarning(medplum: MedplumIssue, resource: Json): OperationOutcomeIssue[] {
  const text = medplum.details?.text ?? '';
  const conflict = /^Conflicting choice of type properties: "(\w+)", "(\w+)"$/.exec(text);
  if (conflict) {
    const [, one, other] = conflict as unknown as [string, string, string];
    return findObjects(resource, (o) => one in o && other in o).map(({ path }) =>
      issue('structure', `Only one type of a choice element may be present: found both ${one} and ${other} at ${path}`, `${path}.${one}`),
    );
  }
  const partner = /^Type of primitive extension does not match the type of property "(\w+)\[x\]"$/.exec(text);
  if (partner) {
    const base = partner[1] as string;
    return findObjects(resource, (o) => mismatchedPartner(o, base) !== undefined).map(({ path, object }) => {
      const key = mismatchedPartner(object, base) as string;
      return issue('structure', `The extension part _${key} does not match the value's choice type at ${path}`, `${path}.${key}`);
    });
  }
  const reference = /^Invalid reference: got "([^"]+)", expected (.*)$/.exec(text);
  if (reference && isResourceType(reference[1] as string)) {
    const { expression } = resolveExpression(medplum.expression?.[0] ?? String(resource.resourceType), resource);
    const allowed = [...(reference[2] as string).matchAll(/StructureDefinition\/(\w+)/g)].map((m) => m[1]).join(', ');
    return [issue('value', `A reference to ${reference[1]} is not allowed at ${expression}: expected ${allowed}`, expression)];
  }
  return [];
}

/** In `{ valueString, _valueInteger }`, the `_` key without its underscore (`valueInteger`). */
function mismatchedPartner(object: Json, base: string): string | undefined {
  const choiceKeys = (prefix: string) => Object.keys(object).filter((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length)));
  const values = choiceKeys(base);
  const partners = choiceKeys(`_${base}`).map((k) => k.slice(1));
  return values.length > 0 ? partners.find((k) => !values.includes(k)) : undefined;
}
