import type { ParsedScope, ResourceScope } from './scope-types.js';

/** R4 Condition.category (preferred binding), HL7 Terminology. */
export const CONDITION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-category';
/**
 * `health-concern` is not in the HL7 Terminology condition-category code system (it defines
 * problem-list-item and encounter-diagnosis); US Core defines it in its own code system, and
 * that system is what US Core's granular scopes and servers use.
 */
export const US_CORE_CONDITION_CATEGORY_SYSTEM = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';
/** R4 Observation.category (preferred binding), HL7 Terminology. */
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

export interface CategoryChoice {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

/** The categories a consent page offers, per resource type, in display order. */
export const CATEGORY_CHOICES: Readonly<Record<string, readonly CategoryChoice[]>> = {
  Condition: [
    { system: CONDITION_CATEGORY_SYSTEM, code: 'problem-list-item', display: 'Problem List Item' },
    { system: CONDITION_CATEGORY_SYSTEM, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' },
    { system: US_CORE_CONDITION_CATEGORY_SYSTEM, code: 'health-concern', display: 'Health Concern' },
  ],
  Observation: [
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'vital-signs', display: 'Vital Signs' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'laboratory', display: 'Laboratory' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'social-history', display: 'Social History' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'imaging', display: 'Imaging' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'procedure', display: 'Procedure' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'survey', display: 'Survey' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'exam', display: 'Exam' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'therapy', display: 'Therapy' },
    { system: OBSERVATION_CATEGORY_SYSTEM, code: 'activity', display: 'Activity' },
  ],
};

export interface GranularCategory extends CategoryChoice {
  /** The requested scope restricted to this category: `patient/Condition.rs?category=<system>|<code>`. */
  readonly scope: ResourceScope;
}

/**
 * Consent page: the categories a user may pick instead of granting a whole `patient/Condition.rs`
 * or `patient/Observation.rs` — §"Finer-grained resource constraints using search parameters",
 * e.g. `patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory`.
 * The granted set is then the chosen scopes (their union, §"Scope Equivalence"). Empty for other
 * types, for `*`, and for scopes that already carry a query. A v1 scope becomes v2, since only
 * v2 has queries; the interactions are kept (the category restricts every one of them).
 */
export function granularCategories(scope: ParsedScope): GranularCategory[] {
  if (scope.kind !== 'resource' || scope.query !== undefined) return [];
  const choices = Object.hasOwn(CATEGORY_CHOICES, scope.resourceType) ? CATEGORY_CHOICES[scope.resourceType] : undefined;
  return (choices ?? []).map((choice) => ({
    ...choice,
    scope: { ...scope, syntax: 'v2', query: [['category', `${choice.system}|${choice.code}`]] },
  }));
}
