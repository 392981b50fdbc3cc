import type { BundleEntry } from '../../model/index.js';
import { OperationOutcomeError } from '../../model/index.js';
import { outcomeOfError } from '../outcome-of-error.js';

/**
 * A failed transaction answers one OperationOutcome (R4 §3.1.0.11.2), so it must say which entry
 * failed: diagnostics are prefixed with `Bundle.entry[i] (METHOD url)`, and each expression
 * relative to the entry (`Patient.gender`, `request.url`, a search parameter) is made absolute.
 */
export function entryError(index: number, entry: BundleEntry, error: unknown): OperationOutcomeError {
  const mapped = outcomeOfError(error);
  const where = `Bundle.entry[${index}]`;
  return new OperationOutcomeError(mapped.status, mapped.issues.map((it) => ({
    ...it,
    diagnostics: `${where} (${entry.request!.method} ${entry.request!.url}): ${it.diagnostics ?? it.code}`,
    expression: it.expression?.map((e) => absolute(where, e)) ?? [where],
  })));
}

function absolute(where: string, expression: string): string {
  if (expression.startsWith('Bundle.')) return expression;
  if (/^(request|resource|fullUrl)\b/.test(expression)) return `${where}.${expression}`;
  const inResource = /^[A-Z][A-Za-z]+(?=\.|$)/.exec(expression);
  if (inResource) return `${where}.resource${expression.slice(inResource[0].length)}`;
  // A search parameter name, from request.url or ifNoneExist.
  return `${where}.request`;
}
