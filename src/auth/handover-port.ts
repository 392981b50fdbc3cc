/**
 * What the authorization server's pages need from the handover (issue 5 b, ADR 0010): the chart
 * prints invitations, the portal shows and answers them. Capabilities never import each other:
 * http/ builds this from `src/consent` and passes it in the AuthContext.
 */
export interface HandoverPort {
  /** A patient's invitations, newest first (the sandbox chart). */
  invitationsOf(patientId: string): Promise<InvitationSummary[]>;
  /** A fresh link to an open invitation, for the printable page; undefined when it is not open. */
  printLink(invitationId: string): Promise<{ link: string; patientId: string; invitation: InvitationSummary } | undefined>;
  /** A link opened by a signed-in patient: the invitation it opens, or why not. */
  openLink(token: string, patientId: string): Promise<{ invitationId: string } | { refused: InvitationRefusal }>;
  /** What the patient is asked to approve. */
  review(invitationId: string, patientId: string): Promise<InvitationReview | { refused: InvitationRefusal }>;
  answer(invitationId: string, patient: { patientId: string; fhirUser: string; displayName: string }, decision: 'approve' | 'decline'):
    Promise<{ outcome: 'approved' | 'declined' } | { refused: InvitationRefusal }>;
  /** The invitations the patient may still answer (the portal). */
  pendingOf(patientId: string): Promise<InvitationSummary[]>;
}

/** Unknown link; another patient's; already answered; expired; the sharing ended meanwhile. */
export type InvitationRefusal = 'unknown' | 'someone-else' | 'used' | 'expired' | 'ended';

export interface InvitationSummary {
  id: string;
  recipientName: string;
  invitedByName: string;
  createdAt: number;
  expiresAt: number;
  state: 'open' | 'used' | 'expired' | 'ended';
  outcome: 'approved' | 'declined' | null;
  /** How the patient was told: sent to whom, or why not. */
  email: { to: string | null; sentAt: number | null; problem: string | null };
}

export interface InvitationReview extends InvitationSummary {
  /** The grant's scopes, as granted. */
  scope: string;
  /** What the recipient already received about the patient (the disclosure log). */
  received: { at: number; kind: string; resources: string[] }[];
}
