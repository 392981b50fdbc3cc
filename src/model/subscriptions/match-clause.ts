import { clauseMatchesIndex, type IndexedResource, type SearchClause } from '../search/index.js';

/**
 * One search clause evaluated in memory against one resource version's search index — the same
 * evaluator access decisions use (model/search/clause-matches-index.ts), so a topic's
 * `queryCriteria` and a subscription's filters mean what the same query means on
 * `GET [base]/Type?…` (R5 SubscriptionTopic.resourceTrigger.queryCriteria: "a FHIR search query").
 * Chains and `_has` need other resources: topic and filter parsing refuse them before we get here,
 * and an unevaluable clause never matches.
 */
export type IndexedVersion = IndexedResource;

export function matchClause(clause: SearchClause, version: IndexedVersion): boolean {
  return clauseMatchesIndex(clause, version) === true;
}
