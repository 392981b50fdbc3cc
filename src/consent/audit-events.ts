import type { Resource } from '../model/index.js';
import type { DisclosureRecord } from '../storage/index.js';
import { DCM, DISCLOSURE_COUNT_EXTENSION, DISCLOSURE_KIND_SYSTEM, ENTITY_TYPE, OBJECT_ROLE } from './consent-codes.js';
import { recipientDeviceId } from './consent-resources.js';

/** Who received one disclosure, as the materializer resolved it from the grant. */
export interface DisclosureRecipient {
  /** The recipient app (for a derived token: the app that derived it). */
  clientId: string;
  clientName: string;
  consentId: string | null;
  /** For a derived token (RFC 8693): the app holding it, acting for the recipient. */
  actor?: { clientId: string; name: string };
  purpose: { system: string; code: string; display: string } | undefined;
}

/** What the materializer knows of one batch of disclosures when it writes their AuditEvents. */
export interface DisclosureBatch {
  /** The claimed batch's id: AuditEvent ids derive from it, so a batch written twice leaves no duplicate. */
  batchId: string;
  disclosures: { record: DisclosureRecord; recipient: DisclosureRecipient }[];
  /** Each sent reference's patient (R4 Patient compartment), or undefined when it is in none. */
  patientOf: Map<string, string | undefined>;
  fhirBase: string;
}

const REST_SUBTYPE: Record<string, string> = { read: 'read', search: 'search-type', history: 'history-instance', operation: 'operation', batch: 'batch' };

/** The disclosures one AuditEvent stands for: same recipient, holder, Consent, interaction and patient. */
interface Group {
  recipient: DisclosureRecipient;
  kind: string;
  patient: string;
  first: number;
  last: number;
  count: number;
  resources: Set<string>;
  queries: Set<string>;
  /** Event numbers sent, by subscription id. */
  notified: Map<string, number[]>;
}

/**
 * A batch of disclosures as R4 AuditEvents, following the Basic Audit Log Patterns' "Privacy
 * Disclosure at Source" where R4 allows: type DICOM 110106 Export, subtype ISO 21089 `disclose` (plus
 * the REST interaction or Handover's `notification`), action R, the server as source agent (110153),
 * the recipient app as destination agent (110152, requestor) with its Consent as policy, the
 * patient entity (role 1), each resource version sent (role 4) and each query (role 24).
 *
 * BALP asks one AuditEvent per patient; we write one per patient *per batch*: the disclosures of
 * one batch (about a second under load) to the same recipient about the same patient by the same
 * interaction become one event whose `period` spans them and whose extension counts them. One event
 * per request would make every read cost a create (the write path is the server's dearest part);
 * the durable row per disclosure, written before the response, keeps the log complete either way.
 * Resources in no patient's compartment (a Medication) share an event without a patient.
 */
export function auditEventsOf(batch: DisclosureBatch): Resource[] {
  const groups = new Map<string, Group>();
  // Recorded order, whatever order the rows came in: a batch written again gives the same events.
  const inOrder = [...batch.disclosures].sort((a, b) => a.record.recordedAt - b.record.recordedAt || compare(a.record.id, b.record.id)
    || compare(a.recipient.clientId, b.recipient.clientId));
  for (const { record, recipient } of inOrder) {
    const detail = JSON.parse(record.detail) as { query?: string; subscription?: string; events?: number[] };
    const touched = new Set<Group>();
    for (const ref of JSON.parse(record.resources) as string[]) {
      const patient = batch.patientOf.get(ref) ?? '';
      const key = JSON.stringify([recipient.clientId, recipient.actor?.clientId ?? '', recipient.consentId ?? '', record.kind, patient]);
      let group = groups.get(key);
      if (!group) groups.set(key, group = { recipient, kind: record.kind, patient, first: record.recordedAt, last: record.recordedAt, count: 0,
        resources: new Set(), queries: new Set(), notified: new Map() });
      group.first = Math.min(group.first, record.recordedAt);
      group.last = Math.max(group.last, record.recordedAt);
      group.resources.add(ref);
      touched.add(group);
      // Rows recorded before batches stopped carrying an empty query still hold one: FHIR has no empty string.
      if (detail.query) group.queries.add(detail.query);
      if (detail.subscription !== undefined) {
        const numbers = group.notified.get(detail.subscription) ?? [];
        for (const n of detail.events ?? []) if (!numbers.includes(n)) numbers.push(n);
        group.notified.set(detail.subscription, numbers);
      }
    }
    // Counted once per group it touched, however many of its resources fell there.
    for (const group of touched) group.count++;
  }
  // Sorted keys: the same rows give the same ids, whatever order they were read in.
  return [...groups.keys()].sort().map((key, i) => auditEvent(`${batch.batchId}-${i}`, groups.get(key)!, batch.fhirBase));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function auditEvent(id: string, group: Group, fhirBase: string): Resource {
  const { recipient } = group;
  const entity = (role: string, display: string, extra: object) => ({ type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE, code: role, display }, ...extra });
  return {
    resourceType: 'AuditEvent', id,
    ...(group.count > 1 ? { extension: [{ url: DISCLOSURE_COUNT_EXTENSION, valueInteger: group.count }] } : {}),
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: [
      { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'disclose', display: 'Disclose Record Lifecycle Event' },
      group.kind === 'notification'
        ? { system: DISCLOSURE_KIND_SYSTEM, code: 'notification', display: 'Subscription notification' }
        : { system: 'http://hl7.org/fhir/restful-interaction', code: REST_SUBTYPE[group.kind] ?? 'operation' },
    ],
    action: 'R',
    period: { start: new Date(group.first).toISOString(), end: new Date(group.last).toISOString() },
    recorded: new Date(group.last).toISOString(),
    outcome: '0',
    ...(recipient.purpose ? { purposeOfEvent: [{ coding: [recipient.purpose] }] } : {}),
    agent: [
      { type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] }, who: { display: 'Handover FHIR server' }, requestor: false,
        network: { address: fhirBase, type: '5' } },
      { type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
        who: { reference: `Device/${recipientDeviceId(recipient.clientId)}`, display: recipient.clientName }, requestor: true,
        ...(recipient.consentId ? { policy: [`Consent/${recipient.consentId}`] } : {}) },
      ...(recipient.actor ? [{ type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
        who: { reference: `Device/${recipientDeviceId(recipient.actor.clientId)}`, display: recipient.actor.name }, requestor: false }] : []),
    ],
    source: { observer: { display: 'Handover FHIR server' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: [
      ...(group.patient ? [{ what: { reference: `Patient/${group.patient}` }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } }] : []),
      ...[...group.resources].map((ref) => entity('4', 'Domain Resource', { what: { reference: ref } })),
      ...[...group.queries].map((query) => entity('24', 'Query', { query: Buffer.from(query).toString('base64') })),
      ...[...group.notified].map(([subscription, events]) => entity('4', 'Domain Resource',
        { what: { reference: `Subscription/${subscription}` }, description: `events ${events.join(', ')}` })),
    ],
  };
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
