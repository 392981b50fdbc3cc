/**
 * The contract between search parsing (model), index extraction (model) and SQL compilation
 * (storage). Everything here is plain data.
 */

export type SearchParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

/** One search parameter of one resource type, from the official R4 SearchParameter definitions. */
export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  /** FHIRPath for this resource type only (other types' branches of shared expressions removed). */
  expression: string | undefined;
  /** Reference parameters: the types it may point to. */
  targets: string[];
  /** Composite parameters: component parameter codes in order. */
  components?: string[];
}

/**
 * Values extracted from one resource version, one row per (param, value). Dates, numbers and
 * quantities are ranges so that precision semantics (R4 §3.1.1.4.2) compile to interval tests:
 * `birthdate=1970` matches `1970-05-05` because [1970-05-05, 1970-05-06) lies in [1970, 1971).
 */
export interface SearchIndex {
  strings: { param: string; value: string; normalized: string }[];
  tokens: { param: string; system: string | null; code: string | null; text: string | null }[];
  references: { param: string; targetType: string | null; targetId: string | null; url: string }[];
  /** Epoch milliseconds, `high` exclusive. */
  dates: { param: string; low: number; high: number }[];
  numbers: { param: string; low: number; high: number }[];
  quantities: { param: string; system: string | null; code: string | null; low: number; high: number }[];
  uris: { param: string; value: string }[];
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export type SearchValue =
  | { kind: 'string'; value: string }
  | { kind: 'token'; system: string | undefined; code: string | undefined }
  | { kind: 'reference'; targetType: string | undefined; targetId: string; url: string }
  /**
   * `low`/`high` is the interval the value's own precision denotes (`high` exclusive); under
   * `ap` it is already widened by the approximation (search.html#prefix), so storage tests overlap.
   */
  | { kind: 'date'; prefix: Prefix; low: number; high: number }
  /**
   * `value` as written; `low`/`high` the implicit range of its significant figures (R4 §3.1.1.4.1),
   * widened under `ap`. Only `eq`, `ne` and `ap` use the range: the other prefixes compare with
   * the exact value (search.html#number: "the implicit precision of the number is ignored").
   */
  | { kind: 'number'; prefix: Prefix; value: number; low: number; high: number }
  | { kind: 'quantity'; prefix: Prefix; value: number; low: number; high: number; system: string | undefined; code: string | undefined }
  | { kind: 'uri'; value: string }
  | { kind: 'missing'; missing: boolean };

export type Modifier = 'exact' | 'contains' | 'missing' | 'not' | 'text' | 'identifier' | 'above' | 'below' | 'in' | 'not-in' | 'of-type' | 'type';

/** `param=v1,v2` — matches when any value matches (OR). */
export interface SearchClause {
  param: SearchParamDef;
  modifier: Modifier | undefined;
  /** For `:[type]` on references (`subject:Patient=123`). */
  targetType?: string;
  values: SearchValue[];
  /** One level of chaining: `subject:Patient.name=peter` — the clause applies to the target. */
  chain?: { targetType: string; clause: SearchClause };
  /** `_has:Observation:patient:code=1234-5` — resources referenced BY matching resources. */
  has?: { sourceType: string; referenceParam: SearchParamDef; clause: SearchClause };
}

export interface SortKey {
  param: SearchParamDef;
  descending: boolean;
}

export interface IncludeSpec {
  sourceType: string;
  param: SearchParamDef;
  targetType: string | undefined;
  iterate: boolean;
}

export interface SearchRequest {
  resourceType: string;
  /** Every clause must match (AND). `_id` and `_lastUpdated` arrive as clauses too. */
  clauses: SearchClause[];
  sort: SortKey[];
  count: number;
  /** Opaque keyset cursor from a previous page. */
  cursor: string | undefined;
  /** undefined: the total only when it costs nothing (the whole result fits on one page). */
  total: 'none' | 'estimate' | 'accurate' | undefined;
  summary: 'true' | 'count' | 'data' | 'text' | 'false' | undefined;
  elements: string[] | undefined;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** Patient compartment search: `/Patient/123/Condition`. */
  compartment?: { type: 'Patient'; id: string };
  /**
   * What the caller may see (decided by `access`), ANDed with everything above: matches must
   * pass it. Absent: no restriction (an open server, or scopes that cover the whole type).
   */
  restriction?: SearchRestriction;
  /**
   * The same for `_include`d and `_revinclude`d resources, per resource type: a type not listed
   * is never included. Absent: no restriction.
   */
  includeRestriction?: Record<string, SearchRestriction>;
  /** Parameters we did not understand (reported, or 400 under `handling=strict`). */
  unknown: string[];
}

/**
 * One way a resource may pass an access restriction: in the Patient compartment of
 * `compartment` (when given) and matching every clause (a granular scope's `?query`).
 */
export interface RestrictionAlternative {
  compartment?: string;
  clauses: SearchClause[];
}

/**
 * A resource passes when any alternative admits it (SMART: the permits of several scopes are
 * ORed). No alternatives admits nothing; one alternative with neither compartment nor clauses
 * admits everything.
 */
export interface SearchRestriction {
  anyOf: RestrictionAlternative[];
}
