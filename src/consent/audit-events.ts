import type { Resource } from '../model/index.js';
import type { DisclosureRecord } from '../storage/index.js';
import { DCM, DISCLOSURE_KIND_SYSTEM, ENTITY_TYPE, OBJECT_ROLE } from './consent-codes.js';
import { recipientDeviceId } from './consent-resources.js';

/** What the materializer knows of one disclosure when it writes its AuditEvents. */
export interface DisclosureFacts {
  record: DisclosureRecord;
  clientName: string;
  /** For a derived token (RFC 8693): the app holding it, acting for the recipient. */
  actor?: { clientId: string; name: string };
  /** Each sent reference's patient (R4 Patient compartment), or undefined when it is in none. */
  patientOf: Map<string, string | undefined>;
  purpose: { system: string; code: string; display: string } | undefined;
  fhirBase: string;
}

const REST_SUBTYPE: Record<string, string> = { read: 'read', search: 'search-type', history: 'history-instance', operation: 'operation', batch: 'batch' };

/**
 * One disclosure as R4 AuditEvents, following the Basic Audit Log Patterns' "Privacy Disclosure
 * at Source" where R4 allows: type DICOM 110106 Export, subtype ISO 21089 `disclose` (plus the
 * REST interaction or Handover's `notification`), action R, the server as source agent (110153),
 * the recipient app as destination agent (110152, requestor) with its Consent as policy, the
 * patient entity (role 1) and each resource sent (role 4, versioned reference). BALP asks one
 * AuditEvent per patient: a search over several patients gives several events; resources in no
 * patient's compartment (a Medication) get one event without a patient. Ids derive from the
 * disclosure, so writing a batch twice (a crash between the two steps) leaves no duplicate.
 */
export function auditEventsOf(facts: DisclosureFacts): Resource[] {
  const { record } = facts;
  const refs = JSON.parse(record.resources) as string[];
  const byPatient = new Map<string, string[]>();
  for (const ref of refs) {
    const key = facts.patientOf.get(ref) ?? '';
    byPatient.set(key, [...(byPatient.get(key) ?? []), ref]);
  }
  const detail = JSON.parse(record.detail) as { query?: string; subscription?: string; events?: number[] };
  const keys = [...byPatient.keys()].sort();
  return keys.map((patient, i) => ({
    resourceType: 'AuditEvent', id: `${record.id}-${i}`,
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: [
      { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'disclose', display: 'Disclose Record Lifecycle Event' },
      record.kind === 'notification'
        ? { system: DISCLOSURE_KIND_SYSTEM, code: 'notification', display: 'Subscription notification' }
        : { system: 'http://hl7.org/fhir/restful-interaction', code: REST_SUBTYPE[record.kind] ?? 'operation' },
    ],
    action: 'R',
    recorded: new Date(record.recordedAt).toISOString(),
    outcome: '0',
    ...(facts.purpose ? { purposeOfEvent: [{ coding: [facts.purpose] }] } : {}),
    agent: [
      { type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] }, who: { display: 'Handover FHIR server' }, requestor: false,
        network: { address: facts.fhirBase, type: '5' } },
      { type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
        who: { reference: `Device/${recipientDeviceId(record.clientId)}`, display: facts.clientName }, requestor: true,
        ...(record.consentId ? { policy: [`Consent/${record.consentId}`] } : {}) },
      ...(facts.actor ? [{ type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
        who: { reference: `Device/${recipientDeviceId(facts.actor.clientId)}`, display: facts.actor.name }, requestor: false }] : []),
    ],
    source: { observer: { display: 'Handover FHIR server' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: [
      ...(patient ? [{ what: { reference: `Patient/${patient}` }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' }, role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } }] : []),
      ...byPatient.get(patient)!.map((ref) => ({ what: { reference: ref }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' } })),
      ...(detail.query ? [{ type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
        query: Buffer.from(detail.query).toString('base64') }] : []),
      ...(detail.subscription ? [{ what: { reference: `Subscription/${detail.subscription}` }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' }, description: `events ${(detail.events ?? []).join(', ')}` }] : []),
    ],
  }));
}

const SERVER_BUNDLES = new Set(['searchset', 'history', 'batch-response', 'transaction-response']);

/**
 * The versioned references of the resources a FHIR response body carries: the resource itself,
 * or the entries of a Bundle the server assembled (search, history, batch), nested ones included
 * (a search inside a batch). A stored Bundle (a document) counts as itself.
 */
export function sentReferences(body: Resource): string[] {
  const refs = new Set<string>();
  const add = (resource: Resource | undefined) => {
    if (!resource) return;
    if (resource.resourceType === 'Bundle' && SERVER_BUNDLES.has(String(resource.type))) {
      for (const entry of (resource.entry as { resource?: Resource }[] | undefined) ?? []) add(entry.resource);
      return;
    }
    if (!resource.id || resource.resourceType === 'OperationOutcome' || resource.resourceType === 'Parameters') return;
    refs.add(resource.meta?.versionId ? `${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}` : `${resource.resourceType}/${resource.id}`);
  };
  add(body);
  return [...refs];
}
