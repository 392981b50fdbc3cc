import type { GrantRecord } from '../../storage/index.js';

/**
 * Issue 5, ADR 0009: which grants are a *standing* authorization to share a patient's record with
 * an outside party, and so must be backed by a FHIR Consent. A person's offline grant (it outlives
 * the session: refresh tokens, subscriptions) for one patient — the launch patient, or the patient
 * who signed in. Online grants end with their hour-long token; backend services are the operator's
 * pre-authorization (SMART Backend Services), not one patient's; derived grants share the Consent
 * of the grant they were cut from.
 */
export function consentPatientOf(grant: Pick<GrantRecord, 'kind' | 'offline' | 'patientId' | 'fhirUser'>): string | undefined {
  if (grant.kind !== 'user' || !grant.offline) return undefined;
  if (grant.patientId) return grant.patientId;
  const self = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(grant.fhirUser ?? '');
  return self?.[1];
}

/** A grant whose revocation ends its Consent: the one it was created for, not one derived from it. */
export function backsConsent(grant: Pick<GrantRecord, 'consentId' | 'parentGrantId'>): boolean {
  return grant.consentId !== null && grant.parentGrantId === null;
}
