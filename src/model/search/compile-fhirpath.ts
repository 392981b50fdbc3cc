import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Resource } from '../fhir-types.js';
import type { Evaluate } from './compile-fast-path.js';
import { typedValue, type TypedValue } from './typed-value.js';

/**
 * The general evaluator for search parameter expressions the fast path does not cover
 * (`Patient.deceased.exists() and Patient.deceased != false`, `Bundle.entry[0].resource`, …).
 *
 * fhirpath.js cannot `resolve()` a reference without fetching it, and the R4 expressions use
 * it only as `where(resolve() is Type)` to keep references to one type. A literal reference
 * names its type (R4 references §2.3.0.1: `[Type]/[id]`, relative or absolute), so we rewrite
 * the test into a match on `reference`.
 */
export function compileFhirpath(expression: string): Evaluate {
  const rewritten = expression.replace(/resolve\(\)\s+is\s+([A-Z][A-Za-z]+)/g,
    (_, type: string) => `reference.matches('^(.*/)?${type}/[^/]+(/_history/[^/]+)?$')`);
  const evaluate = fhirpath.compile(rewritten, r4, { resolveInternalTypes: false });
  return (resource: Resource) => {
    let items: unknown[];
    try {
      items = evaluate(resource) as unknown[];
    } catch {
      // A resource the expression cannot evaluate (e.g. `as` over a repeated element) is not
      // searchable by this parameter; refusing the write over it would be worse.
      return [];
    }
    const types = fhirpath.types(items);
    const out: TypedValue[] = [];
    items.forEach((item, i) => {
      const value: unknown = fhirpath.resolveInternalTypes(fhirpath.util.valData(item));
      if (value !== undefined && value !== null) out.push(typedValue(types[i] ?? '', value));
    });
    return out;
  };
}
