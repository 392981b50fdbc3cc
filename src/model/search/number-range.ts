/**
 * A decimal as written, with the implicit range of its significant figures (R4 search
 * §3.1.1.4 number, search.html#number): `100` means [99.5, 100.5), `100.00` means
 * [99.995, 100.005), `1e2` means [50, 150) (one significant figure). `high` is exclusive.
 */
export interface NumberRange {
  value: number;
  low: number;
  high: number;
}

/** Open ends of a Range or a comparator quantity: finite so both databases store plain doubles. */
export const OPEN_LOW_NUMBER = -1e300;
export const OPEN_HIGH_NUMBER = 1e300;

// R4 datatypes §2.24.0.1 decimal, with leading zeros and a leading `+` tolerated in search input.
const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export function numberRange(text: string): NumberRange | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const decimals = m[2]?.length ?? 0;
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  const half = 0.5 * 10 ** (exponent - decimals);
  return { value, low: value - half, high: value + half };
}
