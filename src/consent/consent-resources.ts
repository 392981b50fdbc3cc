import { createHash } from 'node:crypto';
import { parseScopes, type Resource } from '../model/index.js';
import type { GrantRecord } from '../storage/index.js';
import { APPROVAL_CHANNEL_SYSTEM, CHANNEL_TEXT, CLIENT_ID_SYSTEM, purposeOf, type ApprovalChannel } from './consent-codes.js';

/** Who did something: a FHIR user reference and a name to show. */
export interface Person {
  fhirUser: string;
  displayName: string;
}

/**
 * ADR 0009: the recipient app as a FHIR `Device` (R4: "a … software … used in the provision of
 * healthcare") identified by its OAuth client_id. The id is a digest of the client_id, so the
 * same app always has the same Device and any client_id is a valid FHIR id.
 */
export function recipientDeviceId(clientId: string): string {
  return `app-${createHash('sha256').update(clientId).digest('hex').slice(0, 40)}`;
}

export function recipientDevice(clientId: string, clientName: string): Resource {
  return {
    resourceType: 'Device', id: recipientDeviceId(clientId),
    identifier: [{ system: CLIENT_ID_SYSTEM, value: clientId }],
    deviceName: [{ name: clientName, type: 'user-friendly-name' }],
    type: { text: 'SMART on FHIR app (OAuth client)' },
  };
}

/** The resource types a grant's scopes name; none for `*` (every type). */
export function resourceClasses(scope: string): string[] | undefined {
  const types = parseScopes(scope).scopes.flatMap((s) => (s.kind === 'resource' ? [s.resourceType] : []));
  if (types.includes('*')) return undefined;
  return [...new Set(types)].sort();
}

/**
 * R4 Consent for a standing authorization (issue 5): privacy scope, a permit provision naming
 * the recipient app as information recipient (IRCP), the purpose, the resource classes of the
 * granted scopes, and the period of the grant — from its creation to its absolute end, open when
 * the grant has none (an offline grant then slides with use and ends only when unused or revoked).
 */
export function consentOfGrant(input: { id: string; grant: GrantRecord; patientId: string; clientName: string; approver: Person; channel: ApprovalChannel }): Resource {
  const { grant } = input;
  const classes = resourceClasses(grant.scope);
  return {
    resourceType: 'Consent', id: input.id, status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [
      { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] },
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IDSCL', display: 'information disclosure' }] },
    ],
    patient: { reference: `Patient/${input.patientId}` },
    dateTime: new Date(grant.createdAt).toISOString(),
    performer: [{ reference: input.approver.fhirUser, display: input.approver.displayName }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN', display: 'opt-in' }] },
    provision: {
      type: 'permit',
      period: { start: new Date(grant.createdAt).toISOString(), ...(grant.expiresAt !== null ? { end: new Date(grant.expiresAt).toISOString() } : {}) },
      actor: [{
        role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        reference: { reference: `Device/${recipientDeviceId(grant.clientId)}`, display: input.clientName },
      }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access', display: 'Access' }] }],
      purpose: [purposeOf(input.channel)],
      ...(classes ? { class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })) } : {}),
    },
  };
}

/**
 * R4 Provenance of a Consent version: who approved or ended it, and how (the channel, as a second
 * `activity` coding beside the v3 DataOperation).
 */
export function consentProvenance(input: { id: string; consentId: string; version: number; at: number; by: Person | undefined; channel: ApprovalChannel;
  operation: 'CREATE' | 'UPDATE'; reason?: string }): Resource {
  return {
    resourceType: 'Provenance', id: input.id,
    target: [{ reference: `Consent/${input.consentId}/_history/${input.version}` }],
    recorded: new Date(input.at).toISOString(),
    activity: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: input.operation, display: input.operation === 'CREATE' ? 'create' : 'revise' },
        { system: APPROVAL_CHANNEL_SYSTEM, code: input.channel, display: CHANNEL_TEXT[input.channel] },
      ],
      text: `${input.operation === 'CREATE' ? 'Sharing approved' : 'Sharing ended'}, ${CHANNEL_TEXT[input.channel]}${input.reason ? ` (${input.reason})` : ''}`,
    },
    agent: [{
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
      who: input.by ? { reference: input.by.fhirUser, display: input.by.displayName } : { display: 'Handover authorization server' },
    }],
  };
}
