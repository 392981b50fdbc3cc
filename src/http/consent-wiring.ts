import type { ConsentPort } from '../auth/index.js';
import { recipientsOf, type ConsentService, type DisclosureLog } from '../consent/index.js';
import type { FhirExtensions } from '../fhir/index.js';
import type { Logger } from '../base/index.js';
import type { AuthRecords, Store } from '../storage/index.js';

/**
 * The consent capability wired to the others (issue 5, ADR 0009) — capabilities never import each
 * other, so they meet here:
 * - the FHIR API: Consent writes pass the consent rule and, once committed, a Consent no longer
 *   active revokes its grants; every response carrying resources to a token holder is recorded;
 * - the authorization server: the Consent port (backing grants, the portal), and its records with
 *   `revokeGrant` followed by the Consent sync, so whichever path revokes a grant (RFC 7009, the
 *   connected-apps page, a replayed code or refresh token) ends its Consent too.
 */
export function consentExtensions(service: ConsentService, disclosures: DisclosureLog): Pick<FhirExtensions, 'types' | 'disclosed'> {
  return {
    types: {
      Consent: {
        checkVersion: (next, current, tx) => service.checkConsentVersion(next, current, tx),
        afterWrite: (id) => service.consentChanged(id),
        afterDelete: (id) => service.consentChanged(id),
      },
    },
    disclosed: async (access, request, sent) => {
      if (access.open) return;
      await disclosures.recordResponse({ grantId: access.caller.grantId, clientId: access.caller.clientId }, request, sent);
    },
  };
}

export function consentPort(service: ConsentService, disclosures: DisclosureLog, store: Store, fhirBase: string): ConsentPort {
  return {
    backGrant: (grant, approver, channel) => service.backGrant(grant, approver, channel),
    recipientsOf: async (patientId) => {
      // The page shows every disclosure recorded so far, not only the batches already written.
      await disclosures.materialize();
      return recipientsOf(store, fhirBase, patientId);
    },
    revokeConsent: (patientId, consentId, by) => service.revokeConsentOf(patientId, consentId, by),
  };
}

/** The records the authorization server uses: a grant it revokes ends its Consent as well. */
export function recordsEndingConsents(records: AuthRecords, service: ConsentService, log: Logger): AuthRecords {
  return {
    ...records,
    revokeGrant: async (id, at, reason) => {
      const revoked = await records.revokeGrant(id, at, reason);
      if (revoked) {
        // The grant is revoked whatever happens next (fail closed); a Consent left active is logged loudly.
        await service.grantRevoked(id).catch((error: unknown) => log.error({ err: error, grantId: id }, 'the revoked grant\'s Consent could not be ended'));
      }
      return revoked;
    },
  };
}

/** Two capabilities' FHIR extensions as one (their types never overlap). */
export function mergeExtensions(a: FhirExtensions, b: Partial<FhirExtensions>): FhirExtensions {
  const disclosed = b.disclosed ?? a.disclosed;
  const capability = a.capability ?? b.capability;
  const restExtensions = a.restExtensions ?? b.restExtensions;
  return {
    types: { ...a.types, ...(b.types ?? {}) },
    operations: [...a.operations, ...(b.operations ?? [])],
    afterCommit: () => {
      a.afterCommit();
      b.afterCommit?.();
    },
    ...(capability ? { capability } : {}),
    ...(disclosed ? { disclosed } : {}),
    ...(restExtensions ? { restExtensions } : {}),
  };
}
