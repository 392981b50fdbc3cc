type Holder = Record<string, unknown> | unknown[];

/** Called for every string in a JSON tree; `path` is FHIRPath-like, relative to the root. */
export type StringVisitor = (holder: Holder, key: string | number, value: string, path: string) => void;

/**
 * Walks every string of a parsed JSON value without recursion: request bodies may nest tens of
 * thousands of levels deep (validation refuses them later), and a recursive walk — or
 * JSON.stringify — would overflow the stack first and turn a 400 into a 500.
 */
export function visitStrings(root: unknown, visit: StringVisitor, rootPath = ''): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((value, i) => step(node, i, value, `${path}[${i}]`));
    } else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) step(record, key, record[key], path === '' ? key : `${path}.${key}`);
    }
  }

  function step(holder: Holder, key: string | number, value: unknown, path: string): void {
    if (typeof value === 'string') visit(holder, key, value, path);
    else if (typeof value === 'object' && value !== null) stack.push([value, path]);
  }
}

export function setAt(holder: Holder, key: string | number, value: string): void {
  (holder as Record<string | number, unknown>)[key] = value;
}
