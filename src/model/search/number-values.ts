import { quantityValues } from './quantity-values.js';
import type { TypedValue } from './typed-value.js';

/**
 * What a number search parameter matches in one element (R4 search §3.1.1.4 number,
 * search.html#number): decimal and integer values, and the numeric part of a Quantity or Range
 * (RiskAssessment `probability` is decimal or Range). Exact closed intervals, for the reason given
 * in quantity-values.ts.
 */
export function numberValues(node: TypedValue): { low: number; high: number }[] {
  if (typeof node.value === 'number') return Number.isFinite(node.value) ? [{ low: node.value, high: node.value }] : [];
  return quantityValues(node).slice(0, 1).map(({ low, high }) => ({ low, high }));
}
