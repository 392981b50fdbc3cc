import { granularCategories, parseScopes, formatScope, type ParsedScope } from '../../model/index.js';
import { describeScope } from './describe-scope.js';
import { html, page, type Html } from './html.js';

export function errorPage(title: string, message: string): string {
  return page(title, html`<p class="error" role="alert">${message}</p><p class="muted">You can close this window and return to the app.</p>`);
}

export function signInPage(options: { csrf: string; request?: string; next?: string; error?: string; username?: string }): string {
  return page('Sign in', html`
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
<form method="post" action="/auth/sign-in">
  <input type="hidden" name="csrf" value="${options.csrf}">
  ${options.request ? html`<input type="hidden" name="request" value="${options.request}">` : ''}
  ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
  <label>User name <input type="text" name="username" autocomplete="username" required value="${options.username ?? ''}"></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>`);
}

export interface PatientChoice {
  id: string;
  label: string;
}

export function patientPickerPage(options: { csrf: string; request: string; clientName: string; query: string; patients: PatientChoice[] }): string {
  return page('Choose a patient', html`
<p><strong>${options.clientName}</strong> asks to open a patient's record. Choose the patient.</p>
<form method="get" action="/auth/consent" role="search">
  <input type="hidden" name="request" value="${options.request}">
  <label>Find by name <input type="search" name="q" value="${options.query}"></label>
  <button type="submit" class="secondary">Search</button>
</form>
<form method="post" action="/auth/consent/patient">
  <input type="hidden" name="csrf" value="${options.csrf}">
  <input type="hidden" name="request" value="${options.request}">
  <fieldset><legend>Patients</legend>
  ${options.patients.length === 0 ? html`<p class="muted">No patient matches.</p>` : options.patients.map((p) => html`
    <label><input type="radio" name="patient" value="${p.id}" required> ${p.label}</label>`)}
  </fieldset>
  <button type="submit">Continue</button>
</form>`);
}

export interface ConsentView {
  csrf: string;
  request: string;
  clientName: string;
  userName: string;
  patientLabel: string | undefined;
  encounters: PatientChoice[] | undefined;
  requestedScope: string;
}

/**
 * The consent page: in plain words what the app asks for, one checkbox per requested scope (its
 * value the scope string), category choices for Condition and Observation (granular scopes), and
 * a plain warning when the app asks to keep access after sign-out (`offline_access`).
 */
export function consentPage(view: ConsentView): string {
  const scopes = parseScopes(view.requestedScope).scopes;
  const offline = scopes.some((s) => s.kind === 'offline_access');
  return page('Allow access?', html`
<p><strong>${view.clientName}</strong> asks for access as <strong>${view.userName}</strong>${view.patientLabel ? html` to the record of <strong>${view.patientLabel}</strong>` : ''}.</p>
${offline ? html`<p class="warning" role="note"><strong>Continuing access:</strong> this app asks to keep access after you sign out, until you revoke it (offline access).</p>` : ''}
<form method="post" action="/auth/consent">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <input type="hidden" name="request" value="${view.request}">
  ${view.encounters ? html`<fieldset><legend>Encounter</legend>
    ${view.encounters.length === 0 ? html`<p class="muted">This patient has no encounters.</p>` : view.encounters.map((e, i) => html`
      <label><input type="radio" name="encounter" value="${e.id}" ${i === 0 ? html`checked` : ''}> ${e.label}</label>`)}
  </fieldset>` : ''}
  <fieldset><legend>The app may</legend>
  ${scopes.map((scope) => scopeChoice(scope))}
  </fieldset>
  <button type="submit" name="decision" value="allow">Allow</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`);
}

function scopeChoice(scope: ParsedScope): Html {
  const text = formatScope(scope, 'requested');
  const categories = granularCategories(scope);
  return html`<div class="scope">
  <label><input type="checkbox" name="scope" value="${text}" checked> ${describeScope(scope)} <span class="muted">(${text})</span></label>
  ${categories.length > 0 ? html`<fieldset><legend class="muted">…or only these categories (uncheck the line above)</legend>
    ${categories.map((c) => html`<label><input type="checkbox" name="scope" value="${formatScope(c.scope, 'v2')}"> ${c.display}</label>`)}
  </fieldset>` : ''}
</div>`;
}
