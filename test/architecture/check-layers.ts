import { posix } from 'node:path';
import ts from 'typescript';

/**
 * The layer rules of docs STYLE.md, checked over a set of source files given as text (so the
 * checker itself can be tested on small in-memory trees).
 *
 * Why not dependency-cruiser: its current releases need Node 22 and we run on Node 20; these
 * rules need only the import list of each file, which `ts.preProcessFile` gives without a type
 * check, plus path arithmetic.
 *
 * Rules, for relative imports (packages are not layers):
 * - layers, low to high: base → config → model → storage → access → capabilities → http → cli,
 *   where a capability is any other top folder of src/ (fhir, auth, subscriptions, bulk, cds,
 *   consent, ui, …). A module imports from its own top folder (any depth, freely) or from a
 *   lower layer; capabilities never import each other;
 * - an import into another top folder targets an `index.ts` (that folder's or a sub-folder's);
 * - src/storage/sqlite/ and src/storage/postgres/ are imported only from inside src/storage/;
 * - src/ imports nothing outside src/; registry/, recipient/ and demo/ (separate processes, HTTP
 *   only) import nothing from src/;
 * - no import cycles between files (type-only imports included: they still tie the modules).
 */

export interface SourceFile {
  /** Path from the repository root, with `/`: `src/model/outcome/index.ts`. */
  path: string;
  text: string;
}

export interface Violation {
  file: string;
  /** The import specifier as written, or the cycle for a cycle. */
  import: string;
  rule: 'layer' | 'capability' | 'index' | 'private-engine' | 'outside-src' | 'separate-process' | 'cycle';
  message: string;
}

const LAYERS = ['base', 'config', 'model', 'storage', 'access', '*capability*', 'http', 'cli'];
const CAPABILITY = LAYERS.indexOf('*capability*');
const PRIVATE_ENGINES = ['src/storage/sqlite/', 'src/storage/postgres/'];
const SEPARATE_PROCESSES = ['registry/', 'recipient/', 'demo/'];

interface Edge {
  from: string;
  to: string;
  specifier: string;
}

export function checkLayers(files: SourceFile[]): Violation[] {
  const known = new Set(files.map((f) => f.path));
  const edges = files.flatMap((file) => importsOf(file, known));
  const violations = edges.flatMap((edge) => checkEdge(edge));
  return [...violations, ...findCycles(edges.filter((e) => known.has(e.to)))];
}

function importsOf(file: SourceFile, known: Set<string>): Edge[] {
  const { importedFiles } = ts.preProcessFile(file.text, true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map((specifier) => ({ from: file.path, to: resolve(file.path, specifier, known), specifier }));
}

/** NodeNext specifiers name the emitted `.js`; the source is the `.ts` beside it. */
function resolve(from: string, specifier: string, known: Set<string>): string {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, `${target}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? (candidates[0] as string);
}

/** `src/model/outcome/x.ts` → `model`; undefined outside src/ (or for a file directly in it). */
function topFolder(path: string): string | undefined {
  const parts = path.split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

function layerOf(top: string): number {
  const index = LAYERS.indexOf(top);
  return index === -1 ? CAPABILITY : index;
}

function checkEdge(edge: Edge): Violation[] {
  const { from, to, specifier } = edge;
  const violation = (rule: Violation['rule'], message: string): Violation => ({ file: from, import: specifier, rule, message });

  const separate = SEPARATE_PROCESSES.find((p) => from.startsWith(p));
  if (separate) return to.startsWith('src/') ? [violation('separate-process', `${separate} is a separate process and may not import ${to}`)] : [];
  if (!from.startsWith('src/')) return [];
  if (!to.startsWith('src/')) return [violation('outside-src', `src/ may not import ${to} from outside src/`)];

  const fromTop = topFolder(from);
  const toTop = topFolder(to);
  if (fromTop === undefined || toTop === undefined || fromTop === toTop) return [];

  const found: Violation[] = [];
  const fromLayer = layerOf(fromTop);
  const toLayer = layerOf(toTop);
  if (toLayer > fromLayer) found.push(violation('layer', `${fromTop} may not import ${toTop} (a higher layer): ${to}`));
  if (toLayer === fromLayer && fromLayer === CAPABILITY) found.push(violation('capability', `capability ${fromTop} may not import capability ${toTop}: what they share moves down (${to})`));
  if (PRIVATE_ENGINES.some((p) => to.startsWith(p))) found.push(violation('private-engine', `storage engines are private to src/storage/: ${to}`));
  else if (posix.basename(to) !== 'index.ts') found.push(violation('index', `imports into ${toTop}/ go through an index.ts, not ${to}`));
  return found;
}

/** Strongly connected components (Tarjan, iterative), each reported with one concrete cycle. */
function findCycles(edges: Edge[]): Violation[] {
  const next = new Map<string, Edge[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; i: number };
      const out = next.get(frame.node) ?? [];
      if (frame.i < out.length) {
        const to = (out[frame.i++] as Edge).to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = out.some((e) => e.to === frame.node);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.map((component) => {
    const cycle = shortestCycle(component[0] as string, new Set(component), next);
    const first = cycle[0] as Edge;
    return {
      file: first.from,
      import: first.specifier,
      rule: 'cycle',
      message: `import cycle: ${[first.from, ...cycle.map((e) => e.to)].join(' → ')}`,
    };
  });
}

/** Breadth-first from `start` back to itself inside its component. */
function shortestCycle(start: string, component: Set<string>, next: Map<string, Edge[]>): Edge[] {
  const via = new Map<string, Edge>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const edge of next.get(node) ?? []) {
      if (!component.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; at = (via.get(at) as Edge).from) path.unshift(via.get(at) as Edge);
        return path;
      }
      if (!via.has(edge.to)) {
        via.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  return [];
}
