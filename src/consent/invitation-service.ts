import { randomUUID } from 'node:crypto';
import { digest, randomToken, type Clock, type Logger, type Mailer } from '../base/index.js';
import type { Resource } from '../model/index.js';
import type { GrantRecord, InvitationRecord, Store } from '../storage/index.js';
import type { ConsentService } from './consent-service.js';
import type { Person } from './consent-resources.js';
import { invitationEmail } from './invitation-email.js';
import { patientConsent, supersededConsent } from './handover-resources.js';

export interface InvitationDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** `<base-url>`: links point at `<base-url>/portal/invitation/<token>`. */
  baseUrl: string;
  invitationDays: number;
  /** Absent: no SMTP server; the link is printed from the chart (and logged, in sandbox mode). */
  mailer: Mailer | undefined;
  /** Sandbox: an invitation not emailed has its link logged. Never in production: a link is a credential. */
  logLinks: boolean;
  consent: ConsentService;
  /** Writes resources through the FHIR write path in one transaction. */
  writeResources(resources: Resource[]): Promise<void>;
}

/** Why an invitation cannot be answered, in the order they are checked (a stranger learns nothing else). */
export type InvitationRefusal = 'unknown' | 'someone-else' | 'used' | 'expired' | 'ended';
export type InvitationLookup = { kind: 'open'; invitation: InvitationRecord } | { kind: InvitationRefusal; invitation?: InvitationRecord };

/**
 * The handover (issue 5 b, ADR 0010): a clinician's approval at an EHR launch becomes an invitation
 * to the patient — links that are single use (the invitation is answered once), expiring, kept only
 * as SHA-256 digests — sent by email and printable as a QR code. The patient's approval moves the
 * grant (and everything hanging off it) to the patient's own Consent without touching the grant;
 * a decline ends the clinician's Consent, and with it the grant (the revocation cascade).
 */
export class Invitations {
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly deps: InvitationDeps) {}

  /** After a clinician's approval at an EHR launch backed `grant` by a Consent: invite its patient. Never fails the approval. */
  async invite(grant: GrantRecord, clinician: Person): Promise<void> {
    try {
      await this.create(grant, clinician);
    } catch (error) {
      this.deps.log.error({ err: error, grantId: grant.id }, 'the patient could not be invited to take over the sharing');
    }
  }

  private async create(grant: GrantRecord, clinician: Person): Promise<void> {
    const { store, clock, log } = this.deps;
    if (!grant.consentId || !grant.patientId || !clinician.fhirUser.startsWith('Practitioner/')) return;
    const now = clock.now().getTime();
    const email = patientEmail(await store.readCurrent('Patient', grant.patientId).then((v) => (v?.json ? JSON.parse(v.json) as Resource : undefined)), now);
    const mailed = email !== undefined && this.deps.mailer !== undefined;
    const invitation: InvitationRecord = {
      id: randomUUID(), grantId: grant.id, consentId: grant.consentId, patientId: grant.patientId, clientId: grant.clientId,
      invitedBy: clinician.fhirUser, invitedByName: clinician.displayName, createdAt: now, expiresAt: now + this.deps.invitationDays * 86_400_000,
      emailTo: email ?? null, emailedAt: null,
      emailError: email === undefined ? 'the patient has no email address on record'
        : mailed ? null : `no SMTP server is configured${this.deps.logLinks ? ' (the link was written to the server log)' : ''}`,
      endedAt: null, outcome: null, newConsentId: null,
    };
    const token = randomToken();
    await store.invitations.insertInvitation(invitation, { tokenHash: digest(token), invitationId: invitation.id, channel: mailed ? 'email' : 'log', createdAt: now });
    const link = this.linkOf(token);
    log.info({ invitationId: invitation.id, grantId: grant.id, patientId: grant.patientId, emailed: mailed }, 'patient invited to take over the sharing');
    if (!mailed) {
      // Sandbox without SMTP: the developer's way to the link besides the chart's printable page.
      if (this.deps.logLinks) log.warn({ invitationId: invitation.id, link }, 'invitation link (not emailed)');
      return;
    }
    const client = await store.auth.getClient(grant.clientId);
    const message = invitationEmail({ to: email, link, recipientName: client?.clientName ?? grant.clientId, clinicianName: clinician.displayName, expiresAt: invitation.expiresAt });
    // The clinician's redirect back to the app does not wait for SMTP; `stop()` does.
    const sent = this.sendEmail(invitation.id, message).finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  private async sendEmail(invitationId: string, message: Parameters<Mailer['send']>[0]): Promise<void> {
    const at = () => this.deps.clock.now().getTime();
    try {
      await this.deps.mailer!.send(message);
      await this.deps.store.invitations.recordEmail(invitationId, { at: at(), error: null });
    } catch (error) {
      this.deps.log.error({ err: error, invitationId }, 'the invitation email could not be sent');
      await this.deps.store.invitations.recordEmail(invitationId, { at: at(), error: `sending failed: ${(error as Error).message}` }).catch(() => undefined);
    }
  }

  /** A new link for the chart's printable page (QR code): undefined when the invitation is no longer open. */
  async printLink(invitationId: string): Promise<{ link: string; invitation: InvitationRecord } | undefined> {
    const invitation = await this.deps.store.invitations.getInvitation(invitationId);
    if (!invitation || (await this.state(invitation)) !== 'open') return undefined;
    const token = randomToken();
    await this.deps.store.invitations.insertLink({ tokenHash: digest(token), invitationId, channel: 'print', createdAt: this.deps.clock.now().getTime() });
    return { link: this.linkOf(token), invitation };
  }

  /** A link opened by a signed-in patient. */
  async openLink(token: string, patientId: string): Promise<InvitationLookup> {
    return this.judge(await this.deps.store.invitations.invitationByLink(digest(token)), patientId);
  }

  /** An invitation by id (the portal's list, the review form) for a signed-in patient. */
  async lookup(invitationId: string, patientId: string): Promise<InvitationLookup> {
    return this.judge(await this.deps.store.invitations.getInvitation(invitationId), patientId);
  }

  /** The invitations a patient may still answer, newest first. */
  async pendingOf(patientId: string): Promise<InvitationRecord[]> {
    const open: InvitationRecord[] = [];
    for (const invitation of await this.deps.store.invitations.invitationsOfPatient(patientId)) {
      if ((await this.state(invitation)) === 'open') open.push(invitation);
    }
    return open;
  }

  /** Every invitation of a patient with its state (the chart). */
  async ofPatient(patientId: string): Promise<{ invitation: InvitationRecord; state: 'open' | InvitationRefusal }[]> {
    const all = await this.deps.store.invitations.invitationsOfPatient(patientId);
    return Promise.all(all.map(async (invitation) => ({ invitation, state: await this.state(invitation) })));
  }

  /**
   * The patient's answer. Approve: the invitation is claimed and the grant moved to a new Consent
   * in one transaction, then the new Consent (and the old one made `inactive`) are written with
   * their Provenance; should that write fail, the move is undone. Decline: claimed, then the
   * clinician's Consent is revoked in the patient's name — the cascade of ADR 0009 ends the grant.
   */
  async answer(invitationId: string, patient: Person & { patientId: string }, decision: 'approve' | 'decline'): Promise<'approved' | 'declined' | InvitationRefusal> {
    const found = await this.lookup(invitationId, patient.patientId);
    if (found.kind !== 'open') return found.kind;
    const { store, clock, log } = this.deps;
    const invitation = found.invitation;
    const now = clock.now().getTime();
    const person = { fhirUser: patient.fhirUser, displayName: patient.displayName };
    if (decision === 'decline') {
      if (!(await store.invitations.answerInvitation(invitation.id, now, 'declined', null))) return (await this.lookup(invitationId, patient.patientId)).kind as InvitationRefusal;
      await this.deps.consent.revokeConsent(invitation.consentId, person, 'portal');
      log.info({ invitationId, grantId: invitation.grantId }, 'invitation declined: the sharing ended');
      return 'declined';
    }
    const grant = await store.auth.getGrant(invitation.grantId);
    const current = await store.readCurrent('Consent', invitation.consentId);
    if (!grant || !current?.json) return 'ended';
    const newConsentId = randomUUID();
    if (!(await store.invitations.answerInvitation(invitation.id, now, 'approved', newConsentId))) return (await this.lookup(invitationId, patient.patientId)).kind as InvitationRefusal;
    try {
      const client = await store.auth.getClient(grant.clientId);
      await this.deps.writeResources([
        ...patientConsent({ id: newConsentId, grant, patientId: invitation.patientId, clientName: client?.clientName ?? grant.clientId, patient: person, at: now,
          replaces: { id: invitation.consentId, versionId: current.versionId }, provenanceId: randomUUID() }),
        ...supersededConsent({ current: JSON.parse(current.json) as Resource, versionId: current.versionId, by: person, at: now, replacedBy: newConsentId, provenanceId: randomUUID() }),
      ]);
    } catch (error) {
      await store.invitations.undoApproval(invitation.id);
      throw error;
    }
    log.info({ invitationId, grantId: grant.id, consentId: newConsentId, replaced: invitation.consentId }, 'invitation approved: the grant is now backed by the patient\'s own Consent');
    return 'approved';
  }

  /**
   * After a restart: an answer is a claim (with the grants' move) and then resource writes, so a
   * crash between them leaves an approval whose patient Consent was never written (undone now: the
   * grants go back to the clinician's Consent, still active, and the invitation reopens) or a
   * decline whose grant still lives (revoked now). Answers younger than `settleMs` may still be in
   * flight in another process and are left alone.
   */
  async reconcile(lookBackMs = 7 * 86_400_000, settleMs = 60_000): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now().getTime();
    let fixed = 0;
    for (const invitation of await store.invitations.answeredSince(now - lookBackMs)) {
      if (invitation.endedAt! > now - settleMs) continue;
      if (invitation.outcome === 'approved' && invitation.newConsentId !== null && !(await store.readCurrent('Consent', invitation.newConsentId))) {
        await store.invitations.undoApproval(invitation.id);
        fixed++;
      } else if (invitation.outcome === 'declined') {
        const grant = await store.auth.getGrant(invitation.grantId);
        if (grant && grant.revokedAt === null && grant.consentId === invitation.consentId) {
          await this.deps.consent.revokeConsent(invitation.consentId, { fhirUser: `Patient/${invitation.patientId}`, displayName: 'the patient' }, 'portal');
          fixed++;
        }
      }
    }
    return fixed;
  }

  /** Emails in flight finish (or fail) before the store closes. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.sending]);
    this.deps.mailer?.close();
  }

  private linkOf(token: string): string {
    return `${this.deps.baseUrl}/portal/invitation/${token}`;
  }

  private async judge(invitation: InvitationRecord | undefined, patientId: string): Promise<InvitationLookup> {
    if (!invitation) return { kind: 'unknown' };
    // Someone else's invitation is refused before anything about its state is told.
    if (invitation.patientId !== patientId) return { kind: 'someone-else' };
    return { kind: await this.state(invitation), invitation } as InvitationLookup;
  }

  private async state(invitation: InvitationRecord): Promise<'open' | Exclude<InvitationRefusal, 'unknown' | 'someone-else'>> {
    if (invitation.endedAt !== null) return 'used';
    const now = this.deps.clock.now().getTime();
    if (invitation.expiresAt <= now) return 'expired';
    // The sharing may have ended meanwhile (revoked by anyone, expired): nothing is left to take over.
    const grant = await this.deps.store.auth.getGrant(invitation.grantId);
    const alive = grant && grant.revokedAt === null && grant.consentId === invitation.consentId
      && (grant.expiresAt === null || grant.expiresAt > now) && (grant.idleExpiresAt === null || grant.idleExpiresAt > now);
    return alive ? 'open' : 'ended';
  }
}

/** The Patient's email (R4 ContactPoint system `email`), a current one, `home` first. */
export function patientEmail(patient: Resource | undefined, now: number): string | undefined {
  const emails = ((patient?.telecom ?? []) as { system?: string; value?: string; use?: string; period?: { end?: string } }[])
    .filter((t) => t.system === 'email' && t.value && /^[^\s@]+@[^\s@]+$/.test(t.value) && t.use !== 'old' && !(t.period?.end && Date.parse(t.period.end) < now));
  return (emails.find((t) => t.use === 'home') ?? emails[0])?.value;
}
