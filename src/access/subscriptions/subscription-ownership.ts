import { createHash } from 'node:crypto';
import { parseSearchClause, type Resource, type SearchClause } from '../../model/index.js';
import type { Caller } from '../caller.js';
import type { QueryContext } from '../decisions/scope-query-clauses.js';

/**
 * Issue 4 (b): a Subscription belongs to the grant that created it. A FHIR search cannot see the
 * subscription records, so ownership travels in the stored resource as `meta.tag`s of this system
 * — compiled to SQL like any `_tag` clause, evaluated in memory for reads the same way. The codes
 * are one-way digests, so a tag never reveals a grant id, a client id or a user to anyone.
 */
export const SUBSCRIPTION_OWNER_SYSTEM = 'http://handover.example/fhir/CodeSystem/subscription-owner';

export interface Coding {
  system: string;
  code: string;
}

/**
 * The owners a caller stands for, most specific first:
 * - a person's grant (user, or derived with a user): the grant itself, and the same app + user +
 *   patient — a later authorization of the same app by the same person for the same patient
 *   (a new grant after the old session ended) keeps seeing and managing its subscriptions; each
 *   subscription still delivers only under the grant recorded with it;
 * - a backend service (or a grant derived from one, which has no user): its client — its tokens
 *   live five minutes, each under a new grant, so the client is the lasting owner.
 */
export function ownersOf(caller: Caller): string[] {
  if (caller.fhirUser === undefined) return [`client:${caller.clientId}`];
  return [`grant:${caller.grantId}`, `party:${caller.clientId}|${caller.fhirUser}|${caller.patientId ?? ''}`];
}

/** The tags a Subscription written by `caller` carries (replacing any it was sent with). */
export function ownerTags(caller: Caller): Coding[] {
  return ownersOf(caller).map((owner) => ({ system: SUBSCRIPTION_OWNER_SYSTEM, code: digest(owner) }));
}

/** The `_tag` clause admitting exactly the subscriptions `caller` owns. */
export function ownershipClause(caller: Caller, context: QueryContext): SearchClause {
  const value = ownerTags(caller).map((tag) => `${tag.system}|${tag.code}`).join(',');
  const clause = parseSearchClause('Subscription', '_tag', value, { now: context.now, localBase: context.localBase });
  if (clause === 'unknown' || clause === 'empty') throw new Error('Subscription _tag is not searchable');
  return clause;
}

/** Other owners' tags removed, the writer's added: a caller cannot give a subscription away or claim one. */
export function withOwnerTags(resource: Resource, caller: Caller | undefined): Resource {
  const given = Array.isArray(resource.meta?.tag) ? (resource.meta.tag as Coding[]) : [];
  const kept = given.filter((tag) => tag?.system !== SUBSCRIPTION_OWNER_SYSTEM);
  const tag = [...kept, ...(caller ? ownerTags(caller) : [])];
  const { tag: _old, ...meta } = resource.meta ?? {};
  return { ...resource, meta: tag.length > 0 ? { ...meta, tag } : meta };
}

function digest(owner: string): string {
  return createHash('sha256').update(`handover subscription owner\0${owner}`).digest('base64url').slice(0, 32);
}
