import type { Resource } from '../model/index.js';
import type { GrantRecord } from '../storage/index.js';
import { consentOfGrant, consentProvenance, type Person } from './consent-resources.js';

/**
 * ADR 0010: the patient's own Consent for a grant a clinician started — the same permit (the
 * recipient, the resource classes, the grant's end) approved by the patient in the portal, from now
 * on, for the patient's own purpose (PATRQT) — and its Provenance, whose `entity` names the
 * clinician's Consent version it revises.
 */
export function patientConsent(input: { id: string; grant: GrantRecord; patientId: string; clientName: string; patient: Person; at: number;
  replaces: { id: string; versionId: number }; provenanceId: string }): Resource[] {
  const now = new Date(input.at).toISOString();
  const base = consentOfGrant({ id: input.id, grant: input.grant, patientId: input.patientId, clientName: input.clientName, approver: input.patient, channel: 'portal' });
  const provision = base.provision as { period: Record<string, string> };
  const consent = { ...base, dateTime: now, provision: { ...provision, period: { ...provision.period, start: now } } };
  const provenance = consentProvenance({ id: input.provenanceId, consentId: input.id, version: 1, at: input.at, by: input.patient, channel: 'portal', operation: 'CREATE' });
  const activity = provenance.activity as Record<string, unknown>;
  return [consent, {
    ...provenance,
    activity: { ...activity, text: 'Sharing approved by the patient in the patient portal, taking over a clinician\'s referral' },
    entity: [{ role: 'revision', what: { reference: `Consent/${input.replaces.id}/_history/${input.replaces.versionId}` } }],
  }];
}

/**
 * The clinician's Consent once the patient's own replaced it: R4 ConsentState `inactive` ("the
 * consent is terminated or replaced") — the sharing itself goes on under the new one — with the
 * Provenance of who replaced it, naming the new Consent.
 */
export function supersededConsent(input: { current: Resource; versionId: number; by: Person; at: number; replacedBy: string; provenanceId: string }): Resource[] {
  const { meta: _meta, ...rest } = input.current;
  const provenance = consentProvenance({ id: input.provenanceId, consentId: String(input.current.id), version: input.versionId + 1, at: input.at, by: input.by,
    channel: 'portal', operation: 'UPDATE' });
  const activity = provenance.activity as Record<string, unknown>;
  return [{ ...rest, status: 'inactive' }, {
    ...provenance,
    activity: { ...activity, text: `Replaced by the patient's own consent (Consent/${input.replacedBy}) in the patient portal; the sharing continues under it` },
  }];
}
