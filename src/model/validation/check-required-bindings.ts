import { issue } from '../outcome/index.js';
import { isResourceType } from '../definitions/index.js';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import type { AllowedCodes } from './expand-value-sets.js';
import { nodeForType, type ChildElement, type ElementNode } from './element-tree.js';

/**
 * Codes under a `required` binding must come from the bound value set (R4 terminologies.html,
 * binding strength). Medplum's validator does not check terminology, so this walk does: `code`
 * values against every code of the value set, and codings of Coding / CodeableConcept elements
 * whose `system` is one of the value set's systems (codings of other systems are left alone).
 *
 * The walk follows the element tree of the resource's type, descending into data types,
 * backbone elements, choice elements and nested resources. What it must skip for lack of shape
 * is reported too: a resource slot holding an object without a known `resourceType`, and a
 * scalar where a complex element belongs (Medplum's validator crashes on some of those).
 *
 * Expects input already checked for shape and depth (see check-json-rules.ts).
 */
export function checkRequiredBindings(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const type = resource.resourceType;
  const node = typeof type === 'string' ? nodeForType(type) : undefined;
  if (node) walk(resource, node, type as string, issues);
  return issues;
}

function walk(object: Record<string, unknown>, node: ElementNode, path: string, issues: OperationOutcomeIssue[]): void {
  for (const key in object) {
    const child = node.children.get(key);
    if (!child) continue;
    const value = object[key];
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], child, `${path}.${key}[${i}]`, issues);
    } else {
      visit(value, child, `${path}.${key}`, issues);
    }
  }
}

function visit(value: unknown, child: ChildElement, path: string, issues: OperationOutcomeIssue[]): void {
  const { allowed, type } = child;
  if (allowed && type === 'code') {
    if (typeof value === 'string' && !allowed.codes.has(value)) {
      issues.push(issue('code-invalid', `Value ${JSON.stringify(value)} at ${path} is not in the required value set ${allowed.url}`, path));
    }
    return;
  }
  if (!isObject(value)) {
    // Medplum crashes on some of these (a number where a Parameters.parameter belongs).
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      issues.push(issue('structure', `Invalid JSON type: expected an object, but got ${typeof value} at ${path}`, path));
    }
    return;
  }
  if (allowed && type === 'Coding') checkCoding(value, allowed, path, issues);
  if (allowed && type === 'CodeableConcept' && Array.isArray(value.coding)) {
    value.coding.forEach((coding: unknown, i) => {
      if (isObject(coding)) checkCoding(coding, allowed, `${path}.coding[${i}]`, issues);
    });
  }
  if (type === 'Resource') {
    const resourceType = value.resourceType;
    if (typeof resourceType !== 'string' || !isResourceType(resourceType)) {
      const what = resourceType === undefined ? 'has no resourceType' : `has unknown resourceType ${JSON.stringify(resourceType)}`;
      issues.push(issue('structure', `The resource at ${path} ${what}`, path));
      return;
    }
    const node = nodeForType(resourceType);
    if (node) walk(value, node, path, issues);
    return;
  }
  const node = child.node ?? nodeForType(type);
  if (node) walk(value, node, path, issues);
}

function checkCoding(coding: Record<string, unknown>, allowed: AllowedCodes, path: string, issues: OperationOutcomeIssue[]): void {
  const { system, code } = coding;
  if (typeof system !== 'string' || typeof code !== 'string') return;
  const codes = allowed.bySystem.get(system);
  if (codes && !codes.has(code)) {
    issues.push(issue('code-invalid', `Code ${JSON.stringify(code)} (system ${system}) at ${path}.code is not in the required value set ${allowed.url}`, `${path}.code`));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
