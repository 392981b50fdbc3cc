import type { OperationOutcomeIssue } from '../fhir-types.js';

/**
 * Where check-structure.ts and Medplum's validator (medplum-oracle.ts) give different verdicts on
 * purpose, with an example of each. Test support: the differential test accepts a disagreement
 * only when every issue behind it matches one of these, and checks each example.
 */
export interface KnownDifference {
  /** Which validator rejects the example. */
  rejectedBy: 'ours' | 'medplum';
  why: string;
  /** Whether an issue of the rejecting validator is explained by this difference. */
  explains: (found: OperationOutcomeIssue) => boolean;
  example: Record<string, unknown>;
}

const patient = { resourceType: 'Patient', id: 'p' };
const diagnostics = (pattern: RegExp) => (found: OperationOutcomeIssue) => pattern.test(found.diagnostics ?? '');
const extension = (value: Record<string, unknown>) => ({ ...patient, extension: [{ url: 'http://example.org/x', ...value }] });

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    rejectedBy: 'ours',
    why: 'ele-1 (an element with nothing but an id): Medplum skips ele-1 (skippedConstraintKeys in its validation.ts)',
    explains: diagnostics(/^Constraint ele-1 not met/),
    example: { ...patient, name: [{ id: 'n1' }] },
  },
  {
    rejectedBy: 'ours',
    why: 'a JSON scalar where a data type belongs: Medplum walks into the number and finds no element missing',
    explains: diagnostics(/^Invalid JSON type: expected an object, but got (string|number|boolean) /),
    example: { ...patient, maritalStatus: 7 },
  },
  {
    rejectedBy: 'ours',
    why: 'a resource slot (contained, Bundle.entry.resource) without a known resourceType, or not an object: Medplum skips it',
    explains: diagnostics(/^(The resource at .* has (no|unknown) resourceType|Invalid JSON type: expected a resource, but got )/),
    example: { ...patient, contained: [{ id: 'c1' }] },
  },
  {
    rejectedBy: 'ours',
    why: '`resourceType` inside a data type: Medplum ignores that property name in every object (R4 §2.6.1 json.html: only resources carry it)',
    explains: diagnostics(/^Unknown element "resourceType" /),
    example: { ...patient, name: [{ resourceType: 'HumanName', family: 'x' }] },
  },
  {
    rejectedBy: 'ours',
    why: 'a `_` partner of an element that is not a primitive (`_name`): Medplum accepts `_` before any element name (R4 §2.6.2 json.html: only primitives have one)',
    explains: diagnostics(/^Unknown element "_/),
    example: { ...patient, name: [{ family: 'x' }], _name: [{ id: 'n1' }] },
  },
  {
    rejectedBy: 'ours',
    why: 'integers beyond 32 bits: Medplum checks only that the number is whole (R4 §2.24.0.1 integer: -2,147,483,648..2,147,483,647)',
    explains: diagnostics(/^Expected number to be a 32-bit integer /),
    example: extension({ valueInteger: 3_000_000_000 }),
  },
  {
    rejectedBy: 'ours',
    why: 'a dateTime with a time but no seconds or zone: Medplum makes both optional (R4 dateTime regex: "If hours and minutes are specified, a time zone SHALL be populated")',
    explains: diagnostics(/^Invalid (dateTime|instant) format /),
    example: extension({ valueDateTime: '2020-01-01T10:00:00' }),
  },
  {
    rejectedBy: 'ours',
    why: 'a narrative that is not an XHTML div, or holds scripts or no content: Medplum checks no xhtml (its htmlChecks() is always true)',
    explains: diagnostics(/^Invalid xhtml /),
    example: { ...patient, text: { status: 'generated', div: 'plain text' } },
  },
  {
    rejectedBy: 'medplum',
    why: 'FHIRPath invariants other than ele-1 and ext-1 (con-4, obs-6, dom-3, txt-1…): not checked on the write path (see check-structure.ts)',
    explains: (found) => (found.code === 'invariant' && !/^Constraint (ele|ext)-1 /.test(found.diagnostics ?? '')) || found.code === 'processing',
    example: { resourceType: 'Condition', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, abatementDateTime: '2020', subject: { reference: 'Patient/p' } },
  },
  {
    rejectedBy: 'medplum',
    why: 'base64Binary with whitespace between groups of four: allowed by the R4 regex `(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+`, not by Medplum\'s',
    explains: diagnostics(/^Invalid base64Binary format /),
    example: { ...patient, photo: [{ contentType: 'text/plain', data: 'SGVs\nbG8h' }] },
  },
  {
    rejectedBy: 'medplum',
    why: 'a code with a tab between words: R4 `[^\\s]+(\\s[^\\s]+)*` (XML Schema \\s: space, tab, CR, LF) allows it, Medplum only a space',
    explains: diagnostics(/^Invalid code format /),
    example: extension({ valueCode: 'a\tb' }),
  },
  {
    rejectedBy: 'medplum',
    why: 'more than 9 digits of fractional seconds: R4 `(\\.[0-9]+)?`, Medplum `\\d{1,9}`',
    explains: diagnostics(/^Invalid (dateTime|instant|time) format /),
    example: extension({ valueDateTime: '2020-01-01T10:00:00.1234567890Z' }),
  },
  {
    rejectedBy: 'medplum',
    why: 'values over 1 MB that are not strings (a large base64Binary attachment): R4 limits `string` to 1 MB, Medplum every JSON string',
    explains: diagnostics(/^String cannot be larger than 1 MB /),
    example: { ...patient, photo: [{ contentType: 'text/plain', data: 'QUJD'.repeat(300_000) }] },
  },
];
