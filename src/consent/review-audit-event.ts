import type { Resource } from '../model/index.js';
import type { ReviewItem } from '../storage/index.js';
import { DCM, DISCLOSURE_KIND_SYSTEM, ENTITY_TYPE, OBJECT_ROLE } from './consent-codes.js';
import { recipientDeviceId, type Person } from './consent-resources.js';

/**
 * Issue 5 c (ADR 0014): a rejection at review as an R4 AuditEvent — the record of a disclosure that
 * did not happen, beside the AuditEvents of those that did (ADR 0009). Shaped like them (type DICOM
 * 110106 Export, subtype ISO 21089 `disclose` plus Handover's `review-rejected`, the recipient as
 * destination, the patient and the withheld version as entities) but with outcome 4 and the
 * clinician as requestor: the portal's disclosure view lists only what a recipient requested and
 * received, so a withheld event never reads as sent. The id derives from the event, so writing it
 * twice leaves one AuditEvent.
 */
export function rejectionAuditEvent(item: ReviewItem, input: { by: Person; recipientName: string; fhirBase: string }): Resource {
  return {
    resourceType: 'AuditEvent', id: `review-${item.subscriptionId}-${item.eventNumber}`.slice(0, 64),
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: [
      { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'disclose', display: 'Disclose Record Lifecycle Event' },
      { system: DISCLOSURE_KIND_SYSTEM, code: 'review-rejected', display: 'Withheld at review by a clinician' },
    ],
    action: 'R',
    recorded: new Date(item.decidedAt ?? Date.now()).toISOString(),
    // R4 AuditEvent.outcome 4: "the action was not successful" — nothing left.
    outcome: '4',
    outcomeDesc: `Withheld at review: ${item.reason ?? 'no reason given'}`,
    agent: [
      { type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] }, who: { display: 'Handover FHIR server' }, requestor: false,
        network: { address: input.fhirBase, type: '5' } },
      { who: { reference: input.by.fhirUser, display: input.by.displayName }, requestor: true },
      { type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
        who: { reference: `Device/${recipientDeviceId(item.clientId)}`, display: input.recipientName }, requestor: false },
    ],
    source: { observer: { display: 'Handover FHIR server' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: [
      ...(item.patientId ? [{ what: { reference: `Patient/${item.patientId}` }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } }] : []),
      { what: { reference: `${item.focusType}/${item.focusId}/_history/${item.focusVersion}` }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' } },
      { what: { reference: `Subscription/${item.subscriptionId}` }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' }, description: `event ${item.eventNumber}` },
    ],
  };
}
