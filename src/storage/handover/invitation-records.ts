/**
 * The handover's records (issue 5 b, ADR 0010): invitations from a clinician's referral to the
 * patient, and the links that open them. Storage keeps them and knows nothing of what they mean;
 * only digests of the link tokens are kept. Times are epoch ms.
 */

export type InvitationOutcome = 'approved' | 'declined';

export interface InvitationRecord {
  id: string;
  /** The grant the clinician approved at the EHR launch, and the Consent that backed it then. */
  grantId: string;
  consentId: string;
  patientId: string;
  clientId: string;
  /** The clinician's FHIR user and name. */
  invitedBy: string;
  invitedByName: string;
  createdAt: number;
  expiresAt: number;
  emailTo: string | null;
  emailedAt: number | null;
  emailError: string | null;
  /** Set once, when the patient answered: single use. */
  endedAt: number | null;
  outcome: InvitationOutcome | null;
  /** The patient's own Consent, after an approval. */
  newConsentId: string | null;
}

/** A way into an invitation: `email` (sent), `print` (the chart's printable page), `log` (sandbox without SMTP). */
export interface InvitationLinkRecord {
  tokenHash: string;
  invitationId: string;
  channel: 'email' | 'print' | 'log';
  createdAt: number;
}

export interface InvitationRecords {
  insertInvitation(invitation: InvitationRecord, link: InvitationLinkRecord): Promise<void>;
  insertLink(link: InvitationLinkRecord): Promise<void>;
  getInvitation(id: string): Promise<InvitationRecord | undefined>;
  invitationByLink(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** Newest first, answered or not. */
  invitationsOfPatient(patientId: string): Promise<InvitationRecord[]>;
  recordEmail(id: string, outcome: { at: number; error: string | null }): Promise<void>;
  /**
   * Single use, in one transaction: ends the invitation when it is still open, unexpired at `at`,
   * and its grant alive and still backed by the invitation's Consent; on `approved`, every live
   * grant backed by that Consent (the grant and those derived from it) moves to `newConsentId`.
   * False when it was not open (the caller reads the record to say why).
   */
  answerInvitation(id: string, at: number, outcome: InvitationOutcome, newConsentId: string | null): Promise<boolean>;
  /** Answered at or after `since`, oldest first (reconciliation at start). */
  answeredSince(since: number): Promise<InvitationRecord[]>;
  /** Undoes an approval whose Consent could not be written: the grants go back, the invitation reopens. */
  undoApproval(id: string): Promise<void>;
}
