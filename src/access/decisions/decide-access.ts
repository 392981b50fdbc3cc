import { permits, type RestrictionAlternative, type ScopeInteraction } from '../../model/index.js';
import { InsufficientScope } from '../access-errors.js';
import type { AccessContext } from '../caller.js';
import { heldClause } from '../review/held-resources.js';
import { ownershipClause } from '../subscriptions/subscription-ownership.js';
import { levelBound, usableLevels } from './level-bound.js';
import { scopeQueryClauses, type QueryContext } from './scope-query-clauses.js';
import type { Visibility } from './visibility.js';

const VERBS: Record<ScopeInteraction, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/**
 * The resource server's scope check (App Launch 2.2 §"Access FHIR API"): may this caller perform
 * `interaction` (c r u d s, see `smartInteraction`) on `resourceType`, and on which resources?
 *
 * Throws `InsufficientScope` (403) when no granted scope covers the type and interaction at a
 * level this token may use — or when every covering scope is bounded to nothing here (patient/
 * scopes on a type outside the compartment, a granular query we cannot evaluate). Otherwise
 * returns what may be seen: each level's scopes (`permits`, queries ORed) ANDed with that
 * level's bound (`levelBound`), the levels ORed. Subscriptions are bounded by ownership instead
 * (subscriptions/subscription-ownership.ts): at any level, only the caller's own. Resources held
 * for the caller's review (`Caller.held`, ADR 0014) are excluded at every level. Whether one particular resource is in it is the
 * caller's next step (404 when not, so its existence does not leak).
 */
export function decideAccess(access: AccessContext, resourceType: string, interaction: ScopeInteraction, context: QueryContext): Visibility {
  if (access.open) return 'everything';
  const { caller } = access;
  const levels = usableLevels(caller);
  const permission = permits(caller.scopes, { levels, resourceType, interaction });
  const anyOf: RestrictionAlternative[] = [];
  // Issue 4 (b): a Subscription is bounded by ownership at every level, not by a compartment.
  // Issue 5 (c): what waits for (or failed) review before reaching this recipient is hidden at every level too.
  const held = heldClause(caller, resourceType, context);
  const always = [...(resourceType === 'Subscription' ? [ownershipClause(caller, context)] : []), ...(held ? [held] : [])];
  if (permission.allowed) {
    for (const grant of permission.grants) {
      const bound: { compartment?: string } | undefined = resourceType === 'Subscription' ? {} : levelBound(grant.level, caller, resourceType, interaction);
      if (bound === undefined) continue;
      if (grant.restrictions === 'none') {
        if (bound.compartment === undefined && always.length === 0) return 'everything';
        anyOf.push({ ...bound, clauses: always });
        continue;
      }
      for (const query of grant.restrictions) {
        const clauses = scopeQueryClauses(resourceType, query, context);
        if (clauses !== undefined) anyOf.push({ ...bound, clauses: [...always, ...clauses] });
      }
    }
  }
  if (anyOf.length === 0) {
    const level = levels[0] ?? 'patient';
    throw new InsufficientScope(`The granted scopes do not allow ${VERBS[interaction]} on ${resourceType}`, `${level}/${resourceType}.${interaction}`);
  }
  return { anyOf };
}

/**
 * `decideAccess`, answering `undefined` instead of throwing: for places that drop what the caller
 * may not see rather than refuse the request (included resources, system history).
 */
export function visibilityOrNone(access: AccessContext, resourceType: string, interaction: ScopeInteraction, context: QueryContext): Visibility | undefined {
  try {
    return decideAccess(access, resourceType, interaction, context);
  } catch (error) {
    if (error instanceof InsufficientScope) return undefined;
    throw error;
  }
}
