import { html, page, type Html } from './html.js';

/** One authorization as the connected-apps page shows it (already in plain words). */
export interface ConnectedApp {
  grantId: string;
  appName: string;
  /** What the app may do, one sentence per granted scope. */
  permissions: string[];
  patientLabel: string | undefined;
  since: number;
  lastUsed: number;
  offline: boolean;
  /** When access ends if nothing happens: the idle or absolute expiry, whichever comes first. */
  endsAt: number | null;
  status: 'active' | 'revoked' | 'expired';
  revokedAt: number | null;
}

export interface ConnectedAppsView {
  csrf: string;
  userName: string;
  apps: ConnectedApp[];
  notice: string | undefined;
  /** A patient also has the portal: everything shared on their behalf, not only what they authorized. */
  isPatient?: boolean;
}

/**
 * The user's apps (SMART `management_endpoint`): live authorizations first, each a card with a
 * Revoke button; ended ones after, without. Cards stack, so the page works on a phone.
 */
export function connectedAppsPage(view: ConnectedAppsView): string {
  const live = view.apps.filter((a) => a.status === 'active');
  const ended = view.apps.filter((a) => a.status !== 'active');
  return page('Connected apps', html`
${view.notice ? html`<p class="warning" role="status">${view.notice}</p>` : ''}
<p>Signed in as <strong>${view.userName}</strong>. These are the apps you allowed to use your records. Revoking an app ends its access at once.</p>
${view.isPatient ? html`<p><a href="/portal">Your shared records</a>: everyone who receives your records, including sharing a clinician started, and what each received.</p>` : ''}
<h2>Apps with access</h2>
${live.length === 0 ? html`<p class="muted">No app has access now.</p>` : live.map((app) => liveApp(app, view.csrf))}
${ended.length > 0 ? html`<h2>Ended</h2>${ended.map(endedApp)}` : ''}
<form method="post" action="/auth/sign-out">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <button type="submit" class="secondary">Sign out</button>
</form>`);
}

function liveApp(app: ConnectedApp, csrf: string): Html {
  const headingId = `app-${app.grantId}`;
  return html`<form method="post" action="/auth/apps/revoke" aria-labelledby="${headingId}">
  <h3 id="${headingId}">${app.appName}</h3>
  ${details(app)}
  <input type="hidden" name="csrf" value="${csrf}">
  <input type="hidden" name="grant" value="${app.grantId}">
  <button type="submit" aria-label="Revoke ${app.appName}">Revoke</button>
</form>`;
}

function endedApp(app: ConnectedApp): Html {
  const how = app.status === 'revoked' && app.revokedAt !== null ? html`Revoked ${when(app.revokedAt)}` : html`Expired`;
  return html`<section aria-labelledby="app-${app.grantId}">
  <h3 id="app-${app.grantId}">${app.appName} <span class="muted">(${how})</span></h3>
  ${details(app)}
</section>`;
}

function details(app: ConnectedApp): Html {
  return html`<dl>
    <dt>May</dt>
    <dd><ul>${app.permissions.map((p) => html`<li>${p}</li>`)}</ul></dd>
    ${app.patientLabel ? html`<dt>Patient</dt><dd>${app.patientLabel}</dd>` : ''}
    <dt>Allowed since</dt><dd>${when(app.since)}</dd>
    <dt>Access</dt><dd>${app.offline
    ? html`Continuing: keeps access after you sign out (offline access)${app.endsAt !== null && app.status === 'active' ? html`, until ${when(app.endsAt)} unless used` : ''}`
    : html`Only while in use${app.endsAt !== null && app.status === 'active' ? html`, ends ${when(app.endsAt)}` : ''}`}</dd>
    <dt>Last used</dt><dd>${when(app.lastUsed)}</dd>
  </dl>`;
}

/** A moment in UTC, readable and machine-readable: the server does not know the user's zone. */
function when(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
