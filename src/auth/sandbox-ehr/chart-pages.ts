import type { UserRecord } from '../../storage/index.js';
import type { InvitationSummary } from '../handover-port.js';
import { when } from '../pages/invitation-pages.js';
import type { PatientChoice } from '../pages/auth-pages.js';
import { html, page, type Html } from '../pages/html.js';
import type { Chart, ChartRow } from './chart-data.js';

const signOut = (csrf: string) => html`<form method="post" action="/auth/sign-out" class="inline">
  <input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Sign out</button></form>`;

export function patientListPage(view: { user: UserRecord; query: string; patients: PatientChoice[]; csrf: string }): string {
  return page('Sandbox EHR — patients', html`
<p>Signed in as <strong>${view.user.displayName}</strong>.</p>
<form method="get" action="/ehr" role="search">
  <label>Find a patient by name <input type="search" name="q" value="${view.query}"></label>
  <button type="submit">Search</button>
</form>
<ul class="patients">
${view.patients.map((p) => html`<li><a href="/ehr/patients/${encodeURIComponent(p.id)}">${p.label}</a></li>`)}
</ul>
${signOut(view.csrf)}`);
}

export interface ChartView {
  user: UserRecord;
  patientId: string;
  patientLabel: string;
  chart: Chart;
  encounters: PatientChoice[];
  apps: { clientId: string; name: string }[];
  /** Invitations to take over a sharing started from this chart (issue 5 b). */
  invitations: InvitationSummary[];
  csrf: string;
}

export function chartPage(view: ChartView): string {
  return page(view.patientLabel, html`
<p class="muted">Sandbox EHR chart · <a href="/ehr">all patients</a> · signed in as ${view.user.displayName}</p>
${section('Problem list', view.chart.problems, 'problems')}
${section('Medications', view.chart.medications, 'medications')}
${section('Allergies', view.chart.allergies, 'allergies')}
<h2>Launch an app</h2>
${view.apps.length === 0 ? html`<p class="muted">No registered app has a launch URL.</p>` : view.apps.map((app) => html`
<form method="post" action="/ehr/patients/${encodeURIComponent(view.patientId)}/launch" class="launch">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <input type="hidden" name="client_id" value="${app.clientId}">
  <label>Encounter
    <select name="encounter">
      <option value="">(none)</option>
      ${view.encounters.map((e) => html`<option value="${e.id}">${e.label}</option>`)}
    </select>
  </label>
  <button type="submit" data-client="${app.clientId}">Launch ${app.name}</button>
</form>`)}
${invitationsSection(view)}
${signOut(view.csrf)}`);
}

const STATE_TEXT = { used: 'answered', expired: 'expired', ended: 'sharing ended' } as const;

/** The patient's invitations: how the patient was told, and a printable link (QR code) for the open ones. */
function invitationsSection(view: ChartView): Html {
  return html`<h2 id="invitations">Invitations to the patient</h2>
${view.invitations.length === 0 ? html`<p class="muted">None. Authorizing an app with offline access at a launch from this chart invites the patient to take it over.</p>`
    : html`<table aria-labelledby="invitations"><tbody>
${view.invitations.map((inv) => html`<tr>
  <td>${inv.recipientName}<br><span class="muted">by ${inv.invitedByName}, ${when(inv.createdAt)}</span></td>
  <td>${inv.state === 'open' ? html`Waiting until ${when(inv.expiresAt)}` : inv.outcome ? inv.outcome : STATE_TEXT[inv.state]}<br>
    <span class="muted">${emailText(inv)}</span></td>
  <td>${inv.state === 'open' ? html`<form method="post" action="/ehr/invitations/${inv.id}/print" class="inline">
    <input type="hidden" name="csrf" value="${view.csrf}"><button type="submit" aria-label="Print the invitation to ${inv.recipientName} (link and QR code)">Print (link and QR code)</button></form>` : ''}</td>
</tr>`)}
</tbody></table>`}`;
}

function emailText(inv: InvitationSummary): string {
  if (inv.email.sentAt !== null) return `Emailed to ${inv.email.to ?? ''}`;
  if (inv.email.problem) return `Not emailed: ${inv.email.problem}`;
  return `Email to ${inv.email.to ?? ''} on its way`;
}

function section(title: string, rows: ChartRow[], id: string): Html {
  return html`<h2 id="${id}">${title}</h2>
${rows.length === 0 ? html`<p class="muted">None recorded.</p>` : html`<table aria-labelledby="${id}"><tbody>
${rows.map((r) => html`<tr><td>${r.text}</td><td class="muted">${r.detail}</td></tr>`)}
</tbody></table>`}`;
}
