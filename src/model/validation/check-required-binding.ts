import { issue } from '../outcome/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import type { AllowedCodes } from './expand-value-sets.js';

type Json = Record<string, unknown>;

/**
 * Codes under a `required` binding must come from the bound value set (R4 terminologies.html,
 * binding strength): `code` values against every code of the value set; codings of Coding and
 * CodeableConcept elements whose `system` is one of the value set's systems (codings of other
 * systems are left alone: they may be translations). Value sets that could not be enumerated
 * (see expand-value-sets.ts) never get here.
 *
 * Called by the structure walk on a value of the right JSON type.
 */
export function checkRequiredBinding(value: unknown, type: string, allowed: AllowedCodes, path: string, issues: OperationOutcomeIssue[]): void {
  if (type === 'code') {
    if (typeof value === 'string' && !allowed.codes.has(value)) {
      issues.push(issue('code-invalid', `Value ${JSON.stringify(value)} at ${path} is not in the required value set ${allowed.url}`, path));
    }
  } else if (type === 'Coding') {
    checkCoding(value as Json, allowed, path, issues);
  } else if (type === 'CodeableConcept') {
    const coding = (value as Json).coding;
    if (!Array.isArray(coding)) return;
    for (let i = 0; i < coding.length; i++) {
      const item: unknown = coding[i];
      if (typeof item === 'object' && item !== null) checkCoding(item as Json, allowed, `${path}.coding[${i}]`, issues);
    }
  }
}

function checkCoding(coding: Json, allowed: AllowedCodes, path: string, issues: OperationOutcomeIssue[]): void {
  const { system, code } = coding;
  if (typeof system !== 'string' || typeof code !== 'string') return;
  const codes = allowed.bySystem.get(system);
  if (codes && !codes.has(code)) {
    issues.push(issue('code-invalid', `Code ${JSON.stringify(code)} (system ${system}) at ${path}.code is not in the required value set ${allowed.url}`, `${path}.code`));
  }
}
