import type { ReviewQueueView } from '../review-port.js';
import { html, page, type Html } from './html.js';
import { when } from './invitation-pages.js';

const CONTENT_TEXT: Record<string, string> = {
  'id-only': 'a notification naming this version; the recipient can then read it',
  'full-resource': 'a notification carrying this version (and the patient and medication it points to)',
  empty: 'a notification without the resource or its id',
};

/** Recipients with something waiting (issue 5 c, ADR 0014). */
export function reviewIndexPage(view: { userName: string; recipients: { clientId: string; name: string; pending: number }[]; csrf: string }): string {
  return page('Review before sending', html`
<p>Signed in as <strong>${view.userName}</strong>. These recipients receive nothing until a clinician has reviewed it.</p>
${view.recipients.length === 0 ? html`<p class="muted" role="status">Nothing is waiting for review.</p>`
    : html`<ul>${view.recipients.map((r) => html`<li><a href="/review/${encodeURIComponent(r.clientId)}">${r.name}</a>: ${r.pending} waiting</li>`)}</ul>`}
${signOut(view.csrf)}`);
}

/**
 * One recipient's queue: each held event with exactly what would leave (the version as stored and
 * how the subscription sends it), approve or reject one by one — or every event on this page at
 * once, and only those: the bulk form names the items it shows, so one that arrived after the page
 * was drawn is never decided unseen. A rejection needs a reason, which the recipient will read.
 */
export function reviewQueuePage(view: { clientId: string; userName: string; queue: ReviewQueueView; csrf: string; notice: string | undefined; error: string | undefined }): string {
  const { queue } = view;
  const action = `/review/${encodeURIComponent(view.clientId)}`;
  return page(`Review: ${queue.name}`, html`
<p class="muted"><a href="/review">All recipients</a> · signed in as ${view.userName}</p>
${view.notice ? html`<p class="warning" role="status">${view.notice}</p>` : ''}
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
${queue.reviewRequired ? '' : html`<p class="warning">${queue.name} no longer requires review; what is still waiting here is held until you decide.</p>`}
<p>${queue.waiting.length === 0 ? 'Nothing is waiting.' : `${queue.waiting.length} waiting, oldest first. They are sent in this order; one still waiting holds back those after it.`}</p>
${queue.waiting.length > 1 ? html`<form method="post" action="${action}" aria-label="Decide every event on this page">
  <input type="hidden" name="csrf" value="${view.csrf}">
  ${queue.waiting.map((item) => html`<input type="hidden" name="item" value="${item.key}">`)}
  <label>Reason for rejecting (the recipient sees it; no clinical details) <input type="text" name="reason" maxlength="500"></label>
  <button type="submit" name="decision" value="approve">Approve all ${queue.waiting.length}</button>
  <button type="submit" name="decision" value="reject" class="secondary">Reject all ${queue.waiting.length}</button>
</form>` : ''}
${queue.waiting.map((item) => waitingCard(item, action, view.csrf))}
<h2>Decided recently</h2>
${queue.decided.length === 0 ? html`<p class="muted">Nothing yet.</p>`
    : html`<ol class="log">${queue.decided.map((d) => html`<li>Event ${d.eventNumber} (${d.focus}): ${d.state}${d.reason ? html` — ${d.reason}` : ''}
  <span class="muted">by ${d.decidedBy ?? 'unknown'}, ${d.decidedAt === null ? '' : when(d.decidedAt)}</span></li>`)}</ol>`}
${signOut(view.csrf)}`);
}

function waitingCard(item: ReviewQueueView['waiting'][number], action: string, csrf: string): Html {
  const heading = `event-${item.eventNumber}-${item.key.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return html`<article aria-labelledby="${heading}">
  <h2 id="${heading}">Event ${item.eventNumber}: ${item.interaction} of ${item.focus}</h2>
  <dl>
    <dt>Patient</dt><dd>${item.patientId ? `Patient/${item.patientId}` : 'none'}</dd>
    <dt>Changed</dt><dd>${when(item.occurredAt)}</dd>
    <dt>Would send</dt><dd>${CONTENT_TEXT[item.content] ?? item.content}</dd>
  </dl>
  ${item.resource === null ? html`<p class="muted">A deletion: only the reference would leave.</p>` : html`<pre class="resource" tabindex="0" aria-label="${item.focus} as it would be sent">${item.resource}</pre>`}
  <form method="post" action="${action}">
    <input type="hidden" name="csrf" value="${csrf}">
    <input type="hidden" name="item" value="${item.key}">
    <label>Reason for rejecting (the recipient sees it) <input type="text" name="reason" maxlength="500"></label>
    <button type="submit" name="decision" value="approve">Approve event ${item.eventNumber}</button>
    <button type="submit" name="decision" value="reject" class="secondary">Reject event ${item.eventNumber}</button>
  </form>
</article>`;
}

const signOut = (csrf: string) => html`<form method="post" action="/auth/sign-out">
  <input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Sign out</button></form>`;
