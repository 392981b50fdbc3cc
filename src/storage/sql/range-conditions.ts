import type { Prefix } from '../../model/index.js';
import { sql, type Sql } from './sql-fragment.js';

/**
 * The prefixes of R4 search §3.1.1.4.2 (search.html#prefix) as SQL tests on stored ranges.
 * Three shapes, because dates, numbers and instants are stored differently.
 */

/**
 * Dates: the target [tl, th) and the search value [sl, sh) are both intervals with an exclusive
 * upper bound, so each value's precision is its range (`birthdate=1970` contains 1970-05-05).
 * Under `ap` the parser has already widened [sl, sh): the test is overlap.
 */
export function dateCondition(prefix: Prefix, tl: Sql, th: Sql, sl: number, sh: number): Sql {
  const contained = sql`(${tl} >= ${sl} AND ${th} <= ${sh})`;
  switch (prefix) {
    case 'eq': return contained;
    case 'ne': return sql`NOT ${contained}`;
    case 'gt': return sql`${th} > ${sh}`;
    case 'lt': return sql`${tl} < ${sl}`;
    case 'ge': return sql`(${th} > ${sh} OR ${contained})`;
    case 'le': return sql`(${tl} < ${sl} OR ${contained})`;
    case 'sa': return sql`${tl} >= ${sh}`;
    case 'eb': return sql`${th} <= ${sl}`;
    case 'ap': return sql`(${tl} < ${sh} AND ${th} > ${sl})`;
  }
}

/**
 * Numbers and quantities: stored targets are closed [tl, th] (an exact value has tl = th; a Range
 * or a `<5` quantity is wider). `eq`, `ne` and `ap` use the search value's implicit precision
 * [sl, sh); the other prefixes compare with the exact value `v`, because search.html#number says
 * that with them "the implicit precision of the number is ignored".
 */
export function numberCondition(prefix: Prefix, tl: Sql, th: Sql, v: number, sl: number, sh: number): Sql {
  switch (prefix) {
    case 'eq': return sql`(${tl} >= ${sl} AND ${th} < ${sh})`;
    case 'ne': return sql`NOT (${tl} >= ${sl} AND ${th} < ${sh})`;
    case 'gt': return sql`${th} > ${v}`;
    case 'lt': return sql`${tl} < ${v}`;
    case 'ge': return sql`${th} >= ${v}`;
    case 'le': return sql`${tl} <= ${v}`;
    case 'sa': return sql`${tl} > ${v}`;
    case 'eb': return sql`${th} < ${v}`;
    case 'ap': return sql`(${tl} < ${sh} AND ${th} >= ${sl})`;
  }
}

/**
 * `_lastUpdated`: the target is one millisecond [t, t + 1) on the `last_updated` column. The date
 * tests above simplify to comparisons of the bare column, which the (resource_type, last_updated)
 * index can serve; `t + 1 > x` would hide the column from both planners. Bounds are whole
 * milliseconds (the parser rounds the `ap` widening), so `t + 1 > sl` is `t >= sl`.
 */
export function instantCondition(prefix: Prefix, t: Sql, sl: number, sh: number): Sql {
  switch (prefix) {
    case 'eq': return sql`(${t} >= ${sl} AND ${t} < ${sh})`;
    case 'ne': return sql`NOT (${t} >= ${sl} AND ${t} < ${sh})`;
    case 'gt': case 'sa': return sql`${t} >= ${sh}`;
    case 'lt': case 'eb': return sql`${t} < ${sl}`;
    case 'ge': return sql`${t} >= ${sl}`;
    case 'le': return sql`${t} < ${sh}`;
    case 'ap': return sql`(${t} >= ${sl} AND ${t} < ${sh})`;
  }
}
