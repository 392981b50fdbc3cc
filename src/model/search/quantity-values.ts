import { OPEN_HIGH_NUMBER, OPEN_LOW_NUMBER } from './number-range.js';
import type { TypedValue } from './typed-value.js';

export interface QuantityValue {
  system: string | null;
  code: string | null;
  low: number;
  high: number;
}

/**
 * What a quantity search parameter matches in one element (R4 search §3.1.1.4 quantity,
 * search.html#quantity): Quantity and its profiles (Age, Duration, Distance, Count,
 * SimpleQuantity), Money (currency as an ISO 4217 code), and Range as the interval low..high.
 *
 * Stored values are exact: `low = high = value`, a closed interval. The JSON parser has already
 * dropped the written precision (`1.50` arrives as 1.5), so an implicit range would be a guess, and
 * an exact point lets `value-quantity=1.50` match a stored 1.5. A comparator widens the interval
 * to the open side (`<5` is [-∞, 5]). When both a code and a different unit are present, a second
 * row carries the unit as code with no system, since `5.4||mg` matches "either the code or the
 * unit".
 */
export function quantityValues(node: TypedValue): QuantityValue[] {
  const v = node.value as Quantity & { low?: Quantity; high?: Quantity; currency?: unknown };
  if (typeof v !== 'object' || v === null) return [];
  if (node.type === 'Range') {
    const unit = v.low ?? v.high;
    if (!unit || (num(v.low?.value) === undefined && num(v.high?.value) === undefined)) return [];
    return unitRows(unit, num(v.low?.value) ?? OPEN_LOW_NUMBER, num(v.high?.value) ?? OPEN_HIGH_NUMBER);
  }
  const value = num(v.value);
  if (value === undefined) return [];
  if (node.type === 'Money') {
    return [{ system: 'urn:iso:std:iso:4217', code: typeof v.currency === 'string' ? v.currency : null, low: value, high: value }];
  }
  switch (v.comparator) {
    case '<': case '<=': return unitRows(v, OPEN_LOW_NUMBER, value);
    case '>': case '>=': return unitRows(v, value, OPEN_HIGH_NUMBER);
    default: return unitRows(v, value, value);
  }
}

interface Quantity {
  value?: unknown;
  comparator?: unknown;
  unit?: unknown;
  system?: unknown;
  code?: unknown;
}

function unitRows(q: Quantity, low: number, high: number): QuantityValue[] {
  const system = typeof q.system === 'string' ? q.system : null;
  const code = typeof q.code === 'string' ? q.code : null;
  const unit = typeof q.unit === 'string' ? q.unit : null;
  const rows: QuantityValue[] = [{ system, code: code ?? unit, low, high }];
  if (code !== null && unit !== null && unit !== code) rows.push({ system: null, code: unit, low, high });
  return rows;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
