import type { GrantRecord } from '../storage/index.js';

/**
 * What the authorization server and its pages need from the consent capability (issue 5, ADR
 * 0009). Capabilities never import each other: http/ builds this from `src/consent` and passes it
 * in the AuthContext. The shapes are the portal's; the consent capability answers in them.
 */
export interface ConsentPort {
  /** A person approved `grant` (its `consentId` already assigned): record the Consent and its Provenance. */
  backGrant(grant: GrantRecord, approver: PortalPerson, channel: 'ehr-launch' | 'standalone-launch'): Promise<void>;
  /** Everything shared on the patient's behalf, by recipient (the patient portal). */
  recipientsOf(patientId: string): Promise<PortalRecipient[]>;
  /** The patient ends one of their Consents: `not-found` when it is not theirs (or unknown). */
  revokeConsent(patientId: string, consentId: string, by: PortalPerson): Promise<'revoked' | 'already-ended' | 'not-found'>;
}

export interface PortalPerson {
  fhirUser: string;
  displayName: string;
}

export interface PortalRecipient {
  name: string;
  reference: string;
  consents: {
    consentId: string;
    active: boolean;
    scope: string | null;
    classes: string[];
    since: number;
    until: number | null;
    slidesWithUse: boolean;
    approvedBy: string;
    purpose: string;
    lastUpdated: number;
  }[];
  /** `times`: how many requests or notifications of one batch the line stands for (1 for one). */
  disclosures: { at: number; kind: string; resources: string[]; times: number }[];
}
