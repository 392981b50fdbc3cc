/**
 * The code systems the Consent, Provenance and AuditEvent resources use (FHIR R4 terminology,
 * DICOM for the audit event types as the Basic Audit Log Patterns do, and Handover's own where no
 * standard code exists). One place, so the resources and the pages read them the same way.
 */
export const CLIENT_ID_SYSTEM = 'http://handover.example/fhir/NamingSystem/oauth-client-id';
export const APPROVAL_CHANNEL_SYSTEM = 'http://handover.example/fhir/CodeSystem/approval-channel';
export const DISCLOSURE_KIND_SYSTEM = 'http://handover.example/fhir/CodeSystem/disclosure-kind';
/** On an AuditEvent that stands for several disclosures of one batch: how many (valueInteger). */
export const DISCLOSURE_COUNT_EXTENSION = 'http://handover.example/fhir/StructureDefinition/disclosure-count';
export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';

/** How an approval was given: a clinician at an EHR launch, the patient at a standalone launch or in the portal. */
export type ApprovalChannel = 'ehr-launch' | 'standalone-launch' | 'portal' | 'authorization-server' | 'fhir-api';

export const CHANNEL_TEXT: Record<ApprovalChannel, string> = {
  'ehr-launch': 'approved by a clinician at an EHR launch',
  'standalone-launch': 'approved by the patient at a standalone launch',
  portal: 'in the patient portal',
  'authorization-server': 'by the authorization server (the app\'s authorization was revoked)',
  'fhir-api': 'through the FHIR API',
};

/** Purpose of use (v3 ActReason): a clinician's referral is treatment; the patient's own sharing is at their request. */
export function purposeOf(channel: ApprovalChannel): { system: string; code: string; display: string } {
  return channel === 'ehr-launch'
    ? { system: ACT_REASON, code: 'TREAT', display: 'treatment' }
    : { system: ACT_REASON, code: 'PATRQT', display: 'patient requested' };
}
