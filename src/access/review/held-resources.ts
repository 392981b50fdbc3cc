import { parseSearchClause, type SearchClause } from '../../model/index.js';
import type { AuthRecords, GrantRecord, ReviewRecords } from '../../storage/index.js';
import type { Caller } from '../caller.js';
import type { QueryContext } from '../decisions/scope-query-clauses.js';

/** Derived grants nest; as in grantLiveness, a deeper chain is not followed. */
const MAX_DEPTH = 8;

/**
 * Issue 5 c (ADR 0014): the recipients whose review policy binds a grant — its own client and,
 * for a derived grant, the client of every grant above it: a token derived from a recipient that
 * requires review must not read what that recipient may not read yet.
 */
export async function reviewingClientsOf(records: AuthRecords, grant: GrantRecord): Promise<string[]> {
  const clients: string[] = [];
  let current: GrantRecord | undefined = grant;
  for (let depth = 0; current && depth <= MAX_DEPTH; depth++) {
    if ((await records.getClient(current.clientId))?.review === 'required' && !clients.includes(current.clientId)) clients.push(current.clientId);
    current = current.parentGrantId === null ? undefined : await records.getGrant(current.parentGrantId);
  }
  return clients;
}

/**
 * The caller with what it may not read now: the resources held for its recipients' review or
 * rejected there. Read at every request (never cached): an approval opens them at once, a new
 * hold closes them at once.
 */
export async function withHeldResources(review: ReviewRecords, caller: Caller, clientIds: string[]): Promise<Caller> {
  if (clientIds.length === 0) return caller;
  const held: Record<string, string[]> = {};
  for (const { resourceType, id } of await review.heldFrom(clientIds)) (held[resourceType] ??= []).push(id);
  return { ...caller, held };
}

/** The `_id:not` clause that hides a type's held resources, compiled to SQL and evaluated in memory like any scope query. */
export function heldClause(caller: Caller, resourceType: string, context: QueryContext): SearchClause | undefined {
  const ids = caller.held?.[resourceType];
  if (!ids || ids.length === 0) return undefined;
  const clause = parseSearchClause(resourceType, '_id:not', ids.join(','), { now: context.now, localBase: context.localBase });
  if (clause === 'unknown' || clause === 'empty') throw new Error(`${resourceType} _id is not searchable`);
  return clause;
}
