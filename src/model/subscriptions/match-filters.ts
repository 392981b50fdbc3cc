import { patientCompartmentParams } from '../definitions/index.js';
import { invalid } from '../outcome/index.js';
import type { SearchClause, SearchIndex } from '../search/index.js';
import { matchClause, type IndexedVersion } from './match-clause.js';
import { parseCriteriaQuery } from './parse-criteria-query.js';
import type { SubscriptionFilter } from './parse-filter.js';
import type { CanFilterBy, TopicDefinition } from './topic-definition.js';

/**
 * A subscription's filters checked against a topic's `canFilterBy` and compiled, per resource
 * type of the topic, into search clauses (R5 Subscription.filterBy: "the filter applies to the
 * resource type given, or to every resource type of the topic"). Two parameters are not search
 * parameters: `_type` (a list of types) and a `patient` the topic declares without a resource
 * (the patient data feed), which means membership of that patient's compartment.
 */
export interface CompiledFilters {
  /** Types allowed by `_type`; undefined = all. */
  types: Set<string> | undefined;
  /** Compartment membership: the patient's id. */
  compartmentPatient: string | undefined;
  /** Search clauses per resource type, ANDed. */
  clauses: Map<string, SearchClause[]>;
}

export function compileFilters(topic: TopicDefinition, filters: SubscriptionFilter[], where: (i: number) => string): CompiledFilters {
  const compiled: CompiledFilters = { types: undefined, compartmentPatient: undefined, clauses: new Map() };
  const topicTypes = [...new Set(topic.resourceTrigger.map((t) => t.resource))];
  filters.forEach((filter, i) => {
    const [code = '', modifier] = filter.name.split(':');
    const allowed = topic.canFilterBy.filter((c) => c.filterParameter === code && (filter.resourceType === undefined || c.resource === undefined || c.resource === filter.resourceType));
    if (allowed.length === 0) {
      const offered = [...new Set(topic.canFilterBy.map((c) => c.filterParameter))].join(', ') || 'none';
      throw invalid(`The topic ${topic.url} cannot be filtered by ${filter.resourceType ? `${filter.resourceType}.` : ''}${code} (it offers: ${offered})`, where(i));
    }
    checkModifierAndComparator(allowed, modifier, filter.value, where(i));
    if (filter.resourceType !== undefined && !topicTypes.includes(filter.resourceType)) {
      throw invalid(`The topic ${topic.url} has no ${filter.resourceType} trigger`, where(i));
    }
    if (code === '_type') {
      compiled.types = new Set(filter.value.split(',').map((t) => t.trim()));
      return;
    }
    if (code === 'patient' && allowed.every((c) => c.resource === undefined)) {
      if (modifier !== undefined || filter.value.includes(',')) throw invalid('The patient filter takes one patient, without a modifier', where(i));
      compiled.compartmentPatient = patientIdOf(filter.value);
      return;
    }
    const types = filter.resourceType ? [filter.resourceType] : [...new Set(allowed.map((c) => c.resource).filter((t): t is string => t !== undefined))];
    for (const type of types.length > 0 ? types : topicTypes) {
      const clauses = parseCriteriaQuery(type, new URLSearchParams([[filter.name, filter.value]]).toString(), where(i));
      compiled.clauses.set(type, [...(compiled.clauses.get(type) ?? []), ...clauses]);
    }
  });
  return compiled;
}

function checkModifierAndComparator(allowed: CanFilterBy[], modifier: string | undefined, value: string, where: string): void {
  const modifiers = allowed.flatMap((c) => c.modifier ?? []);
  if (modifier !== undefined && allowed.every((c) => c.modifier !== undefined) && !modifiers.includes(modifier)) {
    throw invalid(`Modifier :${modifier} is not allowed on this filter (allowed: ${modifiers.join(', ')})`, where);
  }
  const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)\d/.exec(value)?.[1];
  const comparators = allowed.flatMap((c) => c.comparator ?? []);
  if (prefix !== undefined && allowed.every((c) => c.comparator !== undefined) && !comparators.includes(prefix)) {
    throw invalid(`Comparator ${prefix} is not allowed on this filter (allowed: ${comparators.join(', ')})`, where);
  }
}

/** `Patient/123`, `123` or `https://host/fhir/Patient/123` → `123`. */
export function patientIdOf(value: string): string {
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(value) ?? /^([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (!match) throw invalid(`"${value}" is not a Patient reference`);
  return match[1]!;
}

/** The patients whose compartment holds this version (R4 CompartmentDefinition patient). */
export function compartmentPatients(resourceType: string, id: string, index: SearchIndex): string[] {
  if (resourceType === 'Patient') return [id];
  const params = new Set(patientCompartmentParams(resourceType));
  const ids = index.references.filter((r) => params.has(r.param) && r.targetType === 'Patient' && r.targetId).map((r) => r.targetId!);
  return [...new Set(ids)];
}

/** Every filter that applies to the version's type passes (filters AND). */
export function filtersMatch(filters: CompiledFilters, resourceType: string, version: IndexedVersion): boolean {
  if (filters.types && !filters.types.has(resourceType)) return false;
  if (filters.compartmentPatient !== undefined && !compartmentPatients(resourceType, version.id, version.index).includes(filters.compartmentPatient)) return false;
  return (filters.clauses.get(resourceType) ?? []).every((clause) => matchClause(clause, version));
}

/**
 * The one patient a subscription is confined to, if its filters name exactly one: the key of the
 * candidate index, so that a change is matched only against subscriptions for its own patients.
 */
export function patientKeyOf(filters: SubscriptionFilter[]): string | null {
  const patient = filters.find((f) => f.name === 'patient' && !f.value.includes(','));
  if (!patient) return null;
  try {
    return patientIdOf(patient.value);
  } catch {
    return null;
  }
}
