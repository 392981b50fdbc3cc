import type { Resource } from '../fhir-types.js';
import { splitTopLevelUnion } from '../definitions/index.js';
import { elementTypes, isTypeOf, type ElementChoice } from './element-types.js';
import { parseReference } from './parse-reference.js';
import { fhirTypeName, type TypedValue } from './typed-value.js';

/**
 * Evaluates the simple FHIRPath shapes that make up nearly all R4 search parameter expressions
 * (R4 SearchParameter.expression, FHIRPath N1): dotted member paths, `as(T)` / `ofType(T)` /
 * `(path as T)`, `where(resolve() is T)` and `where(field='literal')`, joined by `|`.
 *
 * Why not always fhirpath.js: it wraps every node in a typed ResourceNode and consults its model
 * at each step, which made evaluating a Patient's parameters about eight times slower than this
 * direct JSON walk (numbers in extract-search-index.ts). Member types still come from the same fhirpath R4 model, so both
 * evaluators agree; anything else falls back to fhirpath.js. Unknown shapes give undefined.
 */
export type Evaluate = (resource: Resource) => TypedValue[];

type Step =
  | { kind: 'member'; name: string; byPath: Map<string, ElementChoice[]> }
  | { kind: 'as'; type: string }
  | { kind: 'resolveIs'; type: string }
  | { kind: 'whereEq'; field: string; literal: string };

interface Node extends TypedValue {
  /** Where this node's children are described: its type, or a backbone element's path. */
  path: string;
}

export function compileFastPath(expression: string, resourceType: string): Evaluate | undefined {
  const branches: Step[][] = [];
  for (const branch of splitTopLevelUnion(expression)) {
    const steps = parseBranch(branch, resourceType);
    if (!steps || !planTypes(steps, resourceType)) return undefined;
    branches.push(steps);
  }
  return (resource) => {
    const out: TypedValue[] = [];
    for (const steps of branches) {
      for (const node of run(steps, resource)) out.push({ type: node.type, value: node.value });
    }
    return out;
  };
}

const MEMBER = /^[a-z][A-Za-z0-9]*$/;
const AS = /^(?:as|ofType)\(([A-Za-z]+)\)$/;
const RESOLVE_IS = /^where\(resolve\(\) is ([A-Z][A-Za-z]+)\)$/;
const WHERE_EQ = /^where\(([a-z][A-Za-z0-9]*) ?= ?'([^'\\]*)'\)$/;
const INFIX_AS = /^(.+) as ([A-Za-z]+)$/;

function parseBranch(text: string, resourceType: string): Step[] | undefined {
  text = text.trim();
  if (!text.startsWith('(')) {
    const infix = INFIX_AS.exec(text);
    return infix ? withAs(parsePath(infix[1]!, resourceType), fhirTypeName(infix[2]!)) : parsePath(text, resourceType);
  }
  const close = closingParen(text);
  if (close < 0) return undefined;
  const head = parseBranch(text.slice(1, close), resourceType);
  const rest = text.slice(close + 1).trim();
  if (!head || rest === '') return head;
  if (!rest.startsWith('.')) return undefined;
  const tail = parseSegments(rest.slice(1).split('.'));
  return tail && [...head, ...tail];
}

function withAs(steps: Step[] | undefined, type: string): Step[] | undefined {
  return steps && [...steps, { kind: 'as', type }];
}

function parsePath(text: string, resourceType: string): Step[] | undefined {
  const segments = splitDots(text.trim());
  const head = segments.shift();
  if (head !== resourceType && head !== 'Resource' && head !== 'DomainResource') return undefined;
  return parseSegments(segments);
}

function parseSegments(segments: string[]): Step[] | undefined {
  const steps: Step[] = [];
  for (const segment of segments) {
    let m: RegExpExecArray | null;
    if (MEMBER.test(segment)) steps.push({ kind: 'member', name: segment, byPath: new Map() });
    else if ((m = AS.exec(segment))) steps.push({ kind: 'as', type: fhirTypeName(m[1]!) });
    else if ((m = RESOLVE_IS.exec(segment))) steps.push({ kind: 'resolveIs', type: m[1]! });
    else if ((m = WHERE_EQ.exec(segment))) steps.push({ kind: 'whereEq', field: m[1]!, literal: m[2]! });
    else return undefined;
  }
  return steps;
}

/** Splits on dots outside parentheses and quotes (`where(system='x.y')` stays one segment). */
function splitDots(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '.' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function closingParen(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Resolves every member step against the model once, for each path a node can have there, so
 * evaluation is a map lookup. Returns false when a member is unknown (fhirpath.js decides then).
 */
function planTypes(steps: Step[], resourceType: string): boolean {
  let paths: { path: string; type: string }[] = [{ path: resourceType, type: resourceType }];
  for (const step of steps) {
    if (step.kind === 'as') paths = paths.filter((p) => isTypeOf(p.type, step.type));
    if (step.kind !== 'member') continue;
    const next: { path: string; type: string }[] = [];
    for (const { path } of paths) {
      const choices = elementTypes(path, step.name);
      if (!choices) return false;
      step.byPath.set(path, choices);
      // A nested resource (contained, Bundle.entry.resource) is typed at run time.
      for (const c of choices) if (c.type !== 'Resource') next.push({ path: c.path, type: c.type });
    }
    paths = next;
  }
  return true;
}

function run(steps: Step[], resource: Resource): Node[] {
  let nodes: Node[] = [{ type: resource.resourceType, path: resource.resourceType, value: resource }];
  for (const step of steps) {
    if (nodes.length === 0) break;
    const next: Node[] = [];
    for (const node of nodes) {
      switch (step.kind) {
        case 'member': children(node, step.name, step.byPath, next); break;
        case 'as': if (isTypeOf(node.type, step.type)) next.push(node); break;
        case 'resolveIs': if (referenceTypeOf(node.value) === step.type) next.push(node); break;
        case 'whereEq': if ((node.value as Record<string, unknown>)[step.field] === step.literal) next.push(node); break;
      }
    }
    nodes = next;
  }
  return nodes;
}

function children(node: Node, name: string, byPath: Map<string, ElementChoice[]>, out: Node[]): void {
  if (typeof node.value !== 'object' || node.value === null) return;
  const choices = byPath.get(node.path) ?? elementTypes(node.path, name) ?? [];
  for (const choice of choices) {
    const raw = (node.value as Record<string, unknown>)[choice.key];
    if (raw === undefined || raw === null) continue;
    if (Array.isArray(raw)) {
      for (const item of raw) if (item !== null && item !== undefined) out.push(nodeOf(choice, item));
    } else out.push(nodeOf(choice, raw));
  }
}

function nodeOf(choice: ElementChoice, value: unknown): Node {
  if (choice.type === 'Resource') {
    const type = (value as Resource).resourceType;
    return { type, path: type, value };
  }
  return { type: choice.type, path: choice.path, value };
}

function referenceTypeOf(value: unknown): string | undefined {
  const reference = (value as { reference?: unknown }).reference;
  return typeof reference === 'string' ? parseReference(reference)?.type : undefined;
}
