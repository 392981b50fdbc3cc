import type { SearchRestriction } from '../../model/index.js';

/**
 * What a caller may see of one resource type for one interaction: everything, or what a search
 * restriction admits (compartment bounds and granular scope queries, ORed). The same value is
 * compiled to SQL for searches and evaluated in memory for reads and writes, so both agree.
 */
export type Visibility = 'everything' | SearchRestriction;

/** The caller sees what either visibility admits (a read reachable through `r` or `s`). */
export function unionOf(a: Visibility, b: Visibility): Visibility {
  if (a === 'everything' || b === 'everything') return 'everything';
  return { anyOf: [...a.anyOf, ...b.anyOf] };
}

/** A restriction admitting everything, for storage that needs a value per type. */
export const ADMIT_ALL: SearchRestriction = Object.freeze({ anyOf: [Object.freeze({ clauses: [] })] }) as SearchRestriction;

export function asRestriction(visibility: Visibility): SearchRestriction {
  return visibility === 'everything' ? ADMIT_ALL : visibility;
}
