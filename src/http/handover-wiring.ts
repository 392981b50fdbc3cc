import type { ConsentPort, HandoverPort, InvitationSummary } from '../auth/index.js';
import { recipientDeviceId, type InvitationLookup, type Invitations } from '../consent/index.js';
import type { InvitationRecord, Store } from '../storage/index.js';

/**
 * The handover (issue 5 b, ADR 0010) wired to the authorization server: a clinician's approval at an
 * EHR launch that backed a grant by a Consent also invites the patient; the pages get the
 * invitations in their own shapes. Capabilities never import each other, so they meet here.
 */
export function consentPortInviting(port: ConsentPort, invitations: Invitations): ConsentPort {
  return {
    ...port,
    backGrant: async (grant, approver, channel) => {
      await port.backGrant(grant, approver, channel);
      if (channel === 'ehr-launch') await invitations.invite(grant, approver);
    },
  };
}

export function handoverPort(invitations: Invitations, consent: ConsentPort, store: Store): HandoverPort {
  const summary = async (invitation: InvitationRecord, state: InvitationSummary['state']): Promise<InvitationSummary> => ({
    id: invitation.id, recipientName: (await store.auth.getClient(invitation.clientId))?.clientName ?? invitation.clientId, invitedByName: invitation.invitedByName,
    createdAt: invitation.createdAt, expiresAt: invitation.expiresAt, state, outcome: invitation.outcome,
    email: { to: invitation.emailTo, sentAt: invitation.emailedAt, problem: invitation.emailError },
  });
  const refusalOf = (found: InvitationLookup) => ({ refused: found.kind === 'open' ? 'unknown' as const : found.kind });
  return {
    invitationsOf: async (patientId) => Promise.all((await invitations.ofPatient(patientId)).map(({ invitation, state }) => summary(invitation, state === 'unknown' || state === 'someone-else' ? 'ended' : state))),
    printLink: async (invitationId) => {
      const printed = await invitations.printLink(invitationId);
      return printed && { link: printed.link, patientId: printed.invitation.patientId, invitation: await summary(printed.invitation, 'open') };
    },
    openLink: async (token, patientId) => {
      const found = await invitations.openLink(token, patientId);
      return found.kind === 'open' ? { invitationId: found.invitation.id } : refusalOf(found);
    },
    review: async (invitationId, patientId) => {
      const found = await invitations.lookup(invitationId, patientId);
      if (found.kind !== 'open') return refusalOf(found);
      const grant = await store.auth.getGrant(found.invitation.grantId);
      // What this recipient already received about the patient: the disclosure log, by recipient.
      const recipient = (await consent.recipientsOf(patientId)).find((r) => r.reference === `Device/${recipientDeviceId(found.invitation.clientId)}`);
      return { ...(await summary(found.invitation, 'open')), scope: grant?.scope ?? '', received: recipient?.disclosures ?? [] };
    },
    answer: async (invitationId, patient, decision) => {
      const outcome = await invitations.answer(invitationId, patient, decision);
      return outcome === 'approved' || outcome === 'declined' ? { outcome } : { refused: outcome };
    },
    pendingOf: async (patientId) => Promise.all((await invitations.pendingOf(patientId)).map((invitation) => summary(invitation, 'open'))),
  };
}
