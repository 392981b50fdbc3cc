import { sql } from '../sql/sql-fragment.js';
import type { Row } from '../sql/sql-executor.js';
import type { RecordDb } from '../auth/record-db.js';
import type { InvitationLinkRecord, InvitationOutcome, InvitationRecord, InvitationRecords } from './invitation-records.js';

/** The invitation records in plain SQL that both engines run unchanged (placeholders aside). */
export function invitationRecords(db: RecordDb): InvitationRecords {
  const insertLink = (link: InvitationLinkRecord) =>
    sql`INSERT INTO invitation_links (token_hash, invitation_id, channel, created_at) VALUES (${link.tokenHash}, ${link.invitationId}, ${link.channel}, ${link.createdAt})`;
  return {
    insertInvitation: async (i, link) => {
      await db.atomically(async (tx) => {
        await tx.query(sql`INSERT INTO invitations (id, grant_id, consent_id, patient_id, client_id, invited_by, invited_by_name, created_at, expires_at,
          email_to, emailed_at, email_error, ended_at, outcome, new_consent_id)
          VALUES (${i.id}, ${i.grantId}, ${i.consentId}, ${i.patientId}, ${i.clientId}, ${i.invitedBy}, ${i.invitedByName}, ${i.createdAt}, ${i.expiresAt},
          ${i.emailTo}, ${i.emailedAt}, ${i.emailError}, ${i.endedAt}, ${i.outcome}, ${i.newConsentId})`);
        await tx.query(insertLink(link));
      });
    },
    insertLink: async (link) => {
      await db.once(insertLink(link));
    },
    getInvitation: async (id) => {
      const [row] = await db.read.query(sql`SELECT * FROM invitations WHERE id = ${id}`);
      return row ? invitationOf(row) : undefined;
    },
    invitationByLink: async (tokenHash) => {
      const [row] = await db.read.query(sql`SELECT i.* FROM invitation_links l JOIN invitations i ON i.id = l.invitation_id WHERE l.token_hash = ${tokenHash}`);
      return row ? invitationOf(row) : undefined;
    },
    invitationsOfPatient: async (patientId) =>
      (await db.read.query(sql`SELECT * FROM invitations WHERE patient_id = ${patientId} ORDER BY created_at DESC, id`)).map(invitationOf),
    answeredSince: async (since) =>
      (await db.read.query(sql`SELECT * FROM invitations WHERE ended_at IS NOT NULL AND ended_at >= ${since} ORDER BY ended_at, id`)).map(invitationOf),
    recordEmail: async (id, outcome) => {
      await db.once(sql`UPDATE invitations SET emailed_at = ${outcome.error === null ? outcome.at : null}, email_error = ${outcome.error} WHERE id = ${id}`);
    },
    answerInvitation: (id, at, outcome, newConsentId) => db.atomically(async (tx) => {
      // The claim and the move are one transaction: no second answer, no grant left half-moved.
      const claimed = await tx.query(sql`UPDATE invitations SET ended_at = ${at}, outcome = ${outcome}, new_consent_id = ${newConsentId}
        WHERE id = ${id} AND ended_at IS NULL AND expires_at > ${at}
          AND EXISTS (SELECT 1 FROM grants g WHERE g.id = invitations.grant_id AND g.consent_id = invitations.consent_id AND g.revoked_at IS NULL
            AND (g.expires_at IS NULL OR g.expires_at > ${at}) AND (g.idle_expires_at IS NULL OR g.idle_expires_at > ${at}))
        RETURNING consent_id`);
      if (claimed.length === 0) return false;
      if (outcome === 'approved' && newConsentId !== null) {
        await tx.query(sql`UPDATE grants SET consent_id = ${newConsentId} WHERE consent_id = ${String(claimed[0]!.consent_id)} AND revoked_at IS NULL`);
      }
      return true;
    }),
    undoApproval: async (id) => {
      await db.atomically(async (tx) => {
        const [row] = await tx.query(sql`SELECT consent_id, new_consent_id FROM invitations WHERE id = ${id} AND outcome = 'approved'`);
        if (!row || row.new_consent_id === null) return;
        await tx.query(sql`UPDATE grants SET consent_id = ${String(row.consent_id)} WHERE consent_id = ${String(row.new_consent_id)}`);
        await tx.query(sql`UPDATE invitations SET ended_at = NULL, outcome = NULL, new_consent_id = NULL WHERE id = ${id}`);
      });
    },
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function invitationOf(r: Row): InvitationRecord {
  return {
    id: String(r.id), grantId: String(r.grant_id), consentId: String(r.consent_id), patientId: String(r.patient_id), clientId: String(r.client_id),
    invitedBy: String(r.invited_by), invitedByName: String(r.invited_by_name), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
    emailTo: str(r.email_to), emailedAt: num(r.emailed_at), emailError: str(r.email_error), endedAt: num(r.ended_at),
    outcome: str(r.outcome) as InvitationOutcome | null, newConsentId: str(r.new_consent_id),
  };
}
