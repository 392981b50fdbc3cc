import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Resource } from '../fhir-types.js';
import { matchClause, type IndexedVersion } from './match-clause.js';
import { parseCriteriaQuery } from './parse-criteria-query.js';
import type { Interaction, ResourceTrigger, TopicDefinition } from './topic-definition.js';

/**
 * One committed change as the trigger sees it: the version before (absent on create) and the
 * version after (absent on delete), each with its search index.
 */
export interface ResourceChange {
  resourceType: string;
  previous: (IndexedVersion & { resource: Resource }) | undefined;
  current: (IndexedVersion & { resource: Resource }) | undefined;
}

export function interactionOf(change: ResourceChange): Interaction {
  if (!change.current) return 'delete';
  return change.previous ? 'update' : 'create';
}

/** True when any resource trigger of `topic` fires for `change`. */
export function topicFires(topic: TopicDefinition, change: ResourceChange): boolean {
  return topic.resourceTrigger.some((trigger) => triggerFires(trigger, change));
}

/**
 * R5 SubscriptionTopic.resourceTrigger: the resource type and interaction must match, then every
 * criterion present must pass — the queryCriteria and the fhirPathCriteria.
 */
export function triggerFires(trigger: ResourceTrigger, change: ResourceChange): boolean {
  if (trigger.resource !== change.resourceType) return false;
  if (!trigger.supportedInteraction.includes(interactionOf(change))) return false;
  if (trigger.queryCriteria && !queryCriteriaPass(trigger, change)) return false;
  if (trigger.fhirPathCriteria !== undefined && !fhirPathPasses(trigger.fhirPathCriteria, change)) return false;
  return true;
}

/**
 * R5 SubscriptionTopic.resourceTrigger.queryCriteria: `previous` is tested on the state before,
 * `current` on the state after. On create there is no previous state: the `previous` test takes
 * `resultForCreate`; on delete there is no current state: the `current` test takes
 * `resultForDelete`. `requireBoth` true needs both tests to pass, false (the default) either one.
 * A test that is not given does not take part (with `requireBoth` it counts as passed).
 */
function queryCriteriaPass(trigger: ResourceTrigger, change: ResourceChange): boolean {
  const criteria = trigger.queryCriteria!;
  const type = change.resourceType;
  const test = (query: string | undefined, version: IndexedVersion | undefined, whenAbsent: string | undefined): boolean | undefined => {
    if (query === undefined) return undefined;
    if (!version) return whenAbsent === 'test-passes';
    return parseCriteriaQuery(type, query, 'queryCriteria').every((clause) => matchClause(clause, version));
  };
  const previous = test(criteria.previous, change.previous, criteria.resultForCreate);
  const current = test(criteria.current, change.current, criteria.resultForDelete);
  if (previous === undefined && current === undefined) return true;
  if (criteria.requireBoth) return previous !== false && current !== false;
  return previous === true || current === true;
}

const compiled = new Map<string, (resource: unknown, env: Record<string, unknown>) => unknown>();

/**
 * R5 SubscriptionTopic.resourceTrigger.fhirPathCriteria: evaluated with `%previous` and
 * `%current`; an absent state is the empty collection (so `%previous.id.empty()` tells a
 * create). Fires only on a single `true`.
 */
export function fhirPathPasses(expression: string, change: ResourceChange): boolean {
  let evaluate = compiled.get(expression);
  if (!evaluate) {
    evaluate = fhirpath.compile(expression, r4) as (resource: unknown, env: Record<string, unknown>) => unknown;
    compiled.set(expression, evaluate);
  }
  const previous = change.previous?.resource ?? [];
  const current = change.current?.resource ?? [];
  try {
    const result = evaluate(change.current?.resource ?? change.previous?.resource ?? {}, { previous, current }) as unknown[];
    return result.length === 1 && result[0] === true;
  } catch {
    return false;
  }
}
