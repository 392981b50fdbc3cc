import { parseScopes, type ResourceScope } from '../../model/index.js';
import type { GrantRecord } from '../../storage/index.js';
import type { Caller } from '../caller.js';

/**
 * The Caller a grant stands for with `scope` (a token's scope, or the grant's own for work done
 * on its behalf without a token, e.g. a subscription's notification; `tokenId` is then empty).
 */
export function callerOfGrant(grant: GrantRecord, scope: string, tokenId: string): Caller {
  return {
    grantId: grant.id,
    kind: grant.kind,
    clientId: grant.clientId,
    tokenId,
    scopes: resourceScopes(scope),
    ...(grant.patientId ? { patientId: grant.patientId } : {}),
    ...(grant.encounterId ? { encounterId: grant.encounterId } : {}),
    ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
  };
}

/** Identity, launch and other non-resource scopes play no part in access decisions. */
export function resourceScopes(scope: string): ResourceScope[] {
  return parseScopes(scope).scopes.filter((s): s is ResourceScope => s.kind === 'resource');
}
