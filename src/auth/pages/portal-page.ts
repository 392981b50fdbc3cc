import { parseScopes } from '../../model/index.js';
import type { PortalRecipient } from '../consent-port.js';
import type { InvitationSummary } from '../handover-port.js';
import { describeScope } from './describe-scope.js';
import { html, page, type Html } from './html.js';

export interface PortalView {
  csrf: string;
  userName: string;
  recipients: PortalRecipient[];
  notice: string | undefined;
  /** Invitations to take over a clinician's sharing, still open (issue 5 b). */
  invitations: InvitationSummary[];
}

type Shared = PortalRecipient['consents'][number];
type Disclosure = PortalRecipient['disclosures'][number];

const KIND_TEXT: Record<string, string> = {
  read: 'Read', 'search-type': 'Searched and received', notification: 'Was sent a notification about', 'history-instance': 'Read the history of',
  operation: 'Received through an operation', batch: 'Received in a batch',
};

/**
 * The patient portal (issue 5, ADR 0009): who receives the patient's records and what each may
 * see, since and until when, who approved it, what each one received (the disclosure log, from
 * AuditEvents), a "Stop sharing" button per active Consent, and the invitations waiting (issue 5 b).
 * One column of cards: readable on a phone; landmarks, headings and labelled buttons for keyboards
 * and screen readers.
 */
export function portalPage(view: PortalView): string {
  const sharing = view.recipients.filter((r) => r.consents.some((c) => c.active));
  const others = view.recipients.filter((r) => !r.consents.some((c) => c.active));
  return page('Your shared records', html`
${view.notice ? html`<p class="warning" role="status">${view.notice}</p>` : ''}
<p>Signed in as <strong>${view.userName}</strong>. Here is everyone who receives your records, what they may see and what they received. Stopping a sharing ends it at once.</p>
<nav aria-label="Portal sections"><ul class="inline">
  <li><a href="#sharing">Sharing now</a></li><li><a href="#invitations">Invitations</a></li><li><a href="#ended">Ended and other recipients</a></li>
</ul></nav>
<section id="sharing" aria-labelledby="sharing-heading">
<h2 id="sharing-heading">Sharing now</h2>
${sharing.length === 0 ? html`<p class="muted">Nobody receives your records now.</p>` : sharing.map((r, i) => recipientCard(r, `r${i}`, view.csrf))}
</section>
<section id="invitations" aria-labelledby="invitations-heading">
<h2 id="invitations-heading">Invitations waiting for you</h2>
${view.invitations.length === 0
    ? html`<p class="muted">No invitations are waiting. When a clinician shares your records with a service, an invitation to take it over appears here.</p>`
    : html`<ul>${view.invitations.map((inv) => html`<li><a href="/portal/invitations/${inv.id}">${inv.invitedByName} shared your records with ${inv.recipientName}: review and answer</a>
  <span class="muted">(until ${when(inv.expiresAt)})</span></li>`)}</ul>`}
</section>
<section id="ended" aria-labelledby="ended-heading">
<h2 id="ended-heading">Ended and other recipients</h2>
${others.length === 0 ? html`<p class="muted">None.</p>` : others.map((r, i) => recipientCard(r, `o${i}`, view.csrf))}
</section>
<form method="post" action="/auth/sign-out">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <button type="submit" class="secondary">Sign out</button>
</form>`);
}

function recipientCard(recipient: PortalRecipient, key: string, csrf: string): Html {
  const heading = `${key}-name`;
  return html`<article aria-labelledby="${heading}">
  <h3 id="${heading}">${recipient.name}</h3>
  ${recipient.consents.map((c) => consentDetails(recipient, c, csrf))}
  ${recipient.consents.length === 0 ? html`<p class="muted">Received your records without a standing consent of yours (a short session, or a service the site authorized).</p>` : ''}
  <h4>What ${recipient.name} received</h4>
  ${recipient.disclosures.length === 0 ? html`<p class="muted">Nothing yet.</p>` : html`<ol class="log" aria-label="Disclosures to ${recipient.name}">${recipient.disclosures.map(disclosureLine)}</ol>`}
</article>`;
}

function consentDetails(recipient: PortalRecipient, consent: Shared, csrf: string): Html {
  const permissions = consent.scope !== null
    ? parseScopes(consent.scope).scopes.map(describeScope)
    : [consent.classes.length > 0 ? `See your ${consent.classes.join(', ')} records` : 'See your records'];
  return html`<div class="consent">
  <dl>
    <dt>Status</dt><dd>${consent.active ? 'Sharing' : html`Ended ${when(consent.lastUpdated)}`}</dd>
    <dt>May</dt><dd><ul>${permissions.map((p) => html`<li>${p}</li>`)}</ul></dd>
    <dt>Since</dt><dd>${when(consent.since)}</dd>
    ${consent.active ? html`<dt>Until</dt><dd>${until(consent)}</dd>` : ''}
    <dt>Approved by</dt><dd>${consent.approvedBy}${consent.purpose ? html` <span class="muted">(purpose: ${consent.purpose})</span>` : ''}</dd>
  </dl>
  ${consent.active ? html`<form method="post" action="/portal/revoke">
    <input type="hidden" name="csrf" value="${csrf}">
    <input type="hidden" name="consent" value="${consent.consentId}">
    <button type="submit" aria-label="Stop sharing with ${recipient.name}">Stop sharing</button>
  </form>` : ''}
</div>`;
}

function until(consent: Shared): Html {
  if (consent.until === null) return html`Until you stop it`;
  return consent.slidesWithUse
    ? html`Until you stop it; it ends by itself if unused until ${when(consent.until)} (each use extends it)`
    : html`${when(consent.until)}, or until you stop it`;
}

function disclosureLine(d: Disclosure): Html {
  const counts = new Map<string, number>();
  for (const ref of d.resources) counts.set(ref.split('/')[0]!, (counts.get(ref.split('/')[0]!) ?? 0) + 1);
  const summary = [...counts].map(([type, n]) => `${n} ${type} record${n > 1 ? 's' : ''}`).join(', ');
  const times = d.times > 1 ? ` (${d.times} times)` : '';
  return html`<li>${when(d.at)}: ${KIND_TEXT[d.kind] ?? 'Received'} ${summary}${times} <span class="muted">(${d.resources.join(', ')})</span></li>`;
}

/** A moment in UTC, readable and machine-readable: the server does not know the user's zone. */
function when(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
