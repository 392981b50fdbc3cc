/**
 * For convert-medplum-issues.ts (tests only). Turns a validator's element path into the FHIRPath of the exact element in this resource, by
 * walking the resource along it:
 *
 * - a choice element `value[x]` becomes the property actually present (`valueQuantity`);
 * - an array step without an index gets one when the array has one element, or when exactly one
 *   element fits (for a missing element: the one lacking it; otherwise: the one having it); not
 *   the last step, which names the whole list (`Expected array of values for property`);
 * - a primitive's `extension`/`id` is looked up in its `_name` partner, as FHIRPath sees it
 *   (`Patient.birthDate.extension[0]` is `_birthDate.extension[0]` in JSON).
 *
 * Steps that cannot be followed are kept as given.
 */

export interface Resolved {
  expression: string;
  /** The value at the expression, when it could be followed to the end. */
  value: unknown;
}

type Json = Record<string, unknown>;

const STEP = /^([^[\]]+)(?:\[(\d+|x)\])?$/;

export function resolveExpression(expression: string, resource: Json, options: { missing?: boolean } = {}): Resolved {
  const [root, ...steps] = expression.split('.');
  if (root !== resource.resourceType) return { expression, value: undefined };
  const { parts, value } = follow(resource, undefined, steps, options.missing ?? false);
  return { expression: [root, ...parts].join('.'), value };
}

interface Followed {
  parts: string[];
  value: unknown;
  complete: boolean;
}

function follow(start: unknown, startPartner: unknown, steps: string[], missing: boolean): Followed {
  const parts: string[] = [];
  let current = start;
  let partner = startPartner;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as string;
    const container = isObject(current) ? current : isObject(partner) ? partner : undefined;
    const parsed = STEP.exec(step);
    if (!container || !parsed) return { parts: [...parts, ...steps.slice(i)], value: undefined, complete: false };
    let name = parsed[1] as string;
    const bracket = parsed[2];
    if (bracket === 'x') name = choiceKey(container, name) ?? `${name}[x]`;
    let next = container[name];
    let nextPartner = container[`_${name}`];
    const last = i === steps.length - 1;
    if ((Array.isArray(next) || Array.isArray(nextPartner)) && !(last && (bracket === undefined || bracket === 'x'))) {
      const index = bracket !== undefined && bracket !== 'x' ? Number(bracket) : pickIndex(next, nextPartner, steps.slice(i + 1), missing);
      if (index === undefined) return { parts: [...parts, name, ...steps.slice(i + 1)], value: undefined, complete: false };
      next = Array.isArray(next) ? next[index] : undefined;
      nextPartner = Array.isArray(nextPartner) ? nextPartner[index] : undefined;
      parts.push(`${name}[${index}]`);
    } else {
      parts.push(bracket !== undefined && bracket !== 'x' ? `${name}[${bracket}]` : name);
    }
    current = next;
    partner = nextPartner;
  }
  return { parts, value: current, complete: true };
}

function pickIndex(values: unknown, partners: unknown, rest: string[], missing: boolean): number | undefined {
  const list = (Array.isArray(values) ? values : partners) as unknown[];
  const partnerList = Array.isArray(partners) ? partners : [];
  if (list.length === 1) return 0;
  if (rest.length === 0) return undefined;
  let found: number | undefined;
  for (let i = 0; i < list.length; i++) {
    const { complete, value } = follow(list[i], partnerList[i], rest, missing);
    if (complete && (value === undefined) === missing) {
      if (found !== undefined) return undefined;
      found = i;
    }
  }
  return found;
}

/** The property of a choice element present in the object: `value` → `valueQuantity`. */
function choiceKey(container: Json, base: string): string | undefined {
  for (const key of Object.keys(container)) {
    const name = /^_[A-Za-z]/.test(key) ? key.slice(1) : key;
    const next = name.charCodeAt(base.length);
    if (name.startsWith(base) && next >= 65 && next <= 90) return name;
  }
  return undefined;
}

/** FHIRPath of every object in the resource that satisfies the test (depth already bounded). */
export function findObjects(resource: Json, test: (object: Json) => boolean): { path: string; object: Json }[] {
  const found: { path: string; object: Json }[] = [];
  const stack: [unknown, string][] = [[resource, String(resource.resourceType)]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [value, path] = entry;
    if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => stack.push([item, `${path}[${i}]`]));
    } else if (isObject(value)) {
      if (test(value)) found.push({ path, object: value });
      for (const [key, child] of Object.entries(value)) stack.push([child, `${path}.${/^_[A-Za-z]/.test(key) ? key.slice(1) : key}`]);
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
