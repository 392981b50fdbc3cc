/**
 * R4 search §3.1.1.4 string (search.html#string): matching is "case-insensitive and
 * accent-insensitive". Extraction stores this form in `strings.normalized` and `tokens.text`; the
 * SQL compiler applies the same function to the search value (except under `:exact`).
 */
export function normalizeSearchString(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
