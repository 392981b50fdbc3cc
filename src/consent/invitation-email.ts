import type { MailMessage } from '../base/index.js';

/** HTML-escapes the few values an email interpolates (names chosen by others). */
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The invitation email (issue 5 b): who shared what with whom, the link, when it expires. No
 * clinical content and no patient name beyond what the recipient of the email already knows: an
 * email can be forwarded or read by someone else, and the link alone is useless without signing in
 * as the patient.
 */
export function invitationEmail(input: { to: string; link: string; recipientName: string; clinicianName: string; expiresAt: number }): MailMessage {
  const until = new Date(input.expiresAt).toISOString().slice(0, 10);
  const subject = `${input.clinicianName} shared your health records with ${input.recipientName}`;
  const text = [
    `${input.clinicianName} shared your health records with ${input.recipientName} as part of your care.`,
    '',
    'You can now decide yourself: review what it received and what it may receive, then approve or decline.',
    'If you approve, the sharing continues under your own consent. If you decline, it stops.',
    '',
    `Open this link and sign in to your patient portal (the link can be used once, until ${until}):`,
    input.link,
    '',
    'If you did not expect this email, you can ignore it.',
  ].join('\n');
  const html = `<p>${escape(input.clinicianName)} shared your health records with <strong>${escape(input.recipientName)}</strong> as part of your care.</p>
<p>You can now decide yourself: review what it received and what it may receive, then approve or decline.
If you approve, the sharing continues under your own consent. If you decline, it stops.</p>
<p><a href="${escape(input.link)}">Review the sharing in your patient portal</a> (the link can be used once, until ${until}).</p>
<p>If you did not expect this email, you can ignore it.</p>`;
  return { to: input.to, subject, text, html };
}
