import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';

/**
 * A literal or conditional reference (`Practitioner/1`, `Practitioner/1/_history/2`,
 * `Practitioner?identifier=x`) names its target's type, which must be one the element allows:
 * `Condition.subject` is Reference(Patient | Group) (R4 references.html, Reference.reference;
 * the targets come from the element's `targetProfile`s).
 *
 * Only a leading R4 resource type is read: `urn:uuid:` and absolute URLs, local `#id` references
 * and anything else whose type cannot be known are accepted (as Medplum's check does).
 */
export function checkReferenceTarget(reference: Record<string, unknown>, targets: string[], path: string, issues: OperationOutcomeIssue[]): void {
  const literal = reference.reference;
  if (typeof literal !== 'string' || literal.startsWith('#')) return;
  const query = literal.indexOf('?');
  const slash = literal.indexOf('/');
  const type = query >= 0 ? literal.slice(0, query) : slash >= 0 ? literal.slice(0, slash) : literal;
  if (targets.includes(type) || !isResourceType(type)) return;
  issues.push(issue('value', `A reference to ${type} is not allowed at ${path}: expected ${targets.join(', ')}`, path));
}
