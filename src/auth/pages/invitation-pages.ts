import { parseScopes } from '../../model/index.js';
import type { InvitationRefusal, InvitationReview } from '../handover-port.js';
import { describeScope } from './describe-scope.js';
import { html, page, type Html } from './html.js';

const KIND_TEXT: Record<string, string> = {
  read: 'Read', 'search-type': 'Searched and received', notification: 'Was sent a notification about', 'history-instance': 'Read the history of',
  operation: 'Received through an operation', batch: 'Received in a batch',
};

/**
 * The patient's review of a clinician's sharing (issue 5 b): who receives, who started it, what was
 * already sent and what may be sent, and one form with two answers. Readable on a phone; the
 * buttons say what they do.
 */
export function invitationReviewPage(view: { csrf: string; userName: string; invitation: InvitationReview }): string {
  const { invitation: inv } = view;
  const may = parseScopes(inv.scope).scopes.filter((s) => s.kind === 'resource' || s.kind === 'offline_access').map(describeScope);
  return page(`${inv.recipientName} receives your records`, html`
<p>Signed in as <strong>${view.userName}</strong>.</p>
<p><strong>${inv.invitedByName}</strong> shared your health records with <strong>${inv.recipientName}</strong> on ${when(inv.createdAt)}, as part of your care.
You decide now: approve to keep the sharing going under your own consent, or decline to stop it.</p>
<section aria-labelledby="may-heading">
<h2 id="may-heading">What ${inv.recipientName} may receive</h2>
<ul>${may.map((text) => html`<li>${text}</li>`)}</ul>
</section>
<section aria-labelledby="received-heading">
<h2 id="received-heading">What ${inv.recipientName} already received</h2>
${inv.received.length === 0 ? html`<p class="muted">Nothing yet.</p>`
    : html`<ol class="log" aria-label="Disclosures to ${inv.recipientName}">${inv.received.map(disclosureLine)}</ol>`}
</section>
<form method="post" action="/portal/invitations/${inv.id}">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <p>This invitation can be answered once, until ${when(inv.expiresAt)}.</p>
  <button type="submit" name="decision" value="approve">Approve: keep sharing under my consent</button>
  <button type="submit" name="decision" value="decline" class="secondary">Decline: stop sharing</button>
</form>
<p><a href="/portal">Back to your portal</a></p>`);
}

export function invitationAnsweredPage(outcome: 'approved' | 'declined', recipientName: string): string {
  return outcome === 'approved'
    ? page('Sharing approved', html`<p role="status">${recipientName} keeps receiving your records, now under your own consent. You can stop it at any time in your portal.</p>
<p><a href="/portal">Go to your portal</a></p>`)
    : page('Sharing stopped', html`<p role="status">${recipientName} can no longer read or receive your records.</p>
<p><a href="/portal">Go to your portal</a></p>`);
}

/** The clear page for each refusal, with its HTTP status. Someone else's invitation tells nothing about it. */
export const REFUSALS: Record<InvitationRefusal, { status: number; title: string; message: string }> = {
  unknown: { status: 404, title: 'This invitation link is not valid', message: 'Check that the whole link was copied, or ask your clinician for a new invitation. Nothing was changed.' },
  'someone-else': { status: 403, title: 'This invitation is for someone else', message: 'It was sent to another patient. Sign out and sign in as the patient it was sent to. Nothing was changed.' },
  used: { status: 410, title: 'This invitation was already answered', message: 'An invitation can be answered once. Your portal shows who receives your records now. Nothing was changed.' },
  expired: { status: 410, title: 'This invitation has expired', message: 'Ask your clinician for a new one. The sharing itself is shown in your portal, where you can stop it. Nothing was changed.' },
  ended: { status: 410, title: 'This sharing has already ended', message: 'There is nothing left to approve or decline. Your portal shows who receives your records now. Nothing was changed.' },
};

function disclosureLine(d: InvitationReview['received'][number]): Html {
  const counts = new Map<string, number>();
  for (const ref of d.resources) counts.set(ref.split('/')[0]!, (counts.get(ref.split('/')[0]!) ?? 0) + 1);
  const summary = [...counts].map(([type, n]) => `${n} ${type} record${n > 1 ? 's' : ''}`).join(', ');
  return html`<li>${when(d.at)}: ${KIND_TEXT[d.kind] ?? 'Received'} ${summary}</li>`;
}

/** A moment in UTC: the server does not know the user's zone. */
export function when(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
