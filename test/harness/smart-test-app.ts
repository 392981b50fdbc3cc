import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/**
 * A tiny SMART app for the browser tests, built on fhirclient (the SMART JS client, which we did
 * not write): `launch.html` calls `FHIR.oauth2.authorize`, `index.html` calls `FHIR.oauth2.ready`,
 * reads the patient and writes what it got into `<pre id="result">`. It is served from its own
 * origin (127.0.0.1, the server is localhost), so every call to Handover is a real cross-origin one.
 */
export interface SmartTestApp {
  origin: string;
  launchUrl: string;
  redirectUri: string;
  /** What the app asks for on its next launch; a real app hard-codes these, the tests vary them. */
  settings: { clientId: string; scope: string; redirectUri: string; fhirBase: string; refreshWithClientId: boolean };
  /** Every URL the app's server was asked for, in order (to see what the EHR and Handover sent it). */
  visits: URL[];
  close(): Promise<void>;
}

/** What index.html writes once fhirclient is done: the patient it read and the token context, or the error. */
export interface AppResult {
  error?: string;
  patient?: { resourceType: string; id: string };
  context?: { patient?: string; encounter?: string; scope?: string; fhirContext?: unknown; refreshToken: boolean };
  fhirUser?: string | null;
  /** Present when a refresh token came: the outcome of fhirclient's `client.refresh()`. */
  refresh?: { error?: string; rotated?: boolean; newAccessToken?: boolean; patientId?: string };
}

const FHIR_CLIENT_JS = readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'), 'utf8');

const SHOW = `function show(result) {
  const pre = document.getElementById('result');
  pre.textContent = JSON.stringify(result);
  pre.dataset.state = 'done';
}`;

function launchPage(settings: SmartTestApp['settings']): string {
  // `<` escaped so no setting can close the script element.
  const config = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<!doctype html><meta charset="utf-8"><title>Test app: launch</title>
<pre id="result" data-state="pending"></pre>
<script src="/fhir-client.js"></script>
<script>
${SHOW}
const config = ${config};
// EHR launch: fhirclient takes iss and launch from this page's URL. Standalone: the app knows its server.
const standalone = !new URLSearchParams(location.search).has('launch');
FHIR.oauth2.authorize({ clientId: config.clientId, scope: config.scope, redirectUri: config.redirectUri, ...(standalone ? { iss: config.fhirBase } : {}) })
  .catch((error) => show({ error: String(error && error.message || error) }));
</script>`;
}

function indexPage(settings: SmartTestApp['settings']): string {
  return `<!doctype html><meta charset="utf-8"><title>Test app</title>
<pre id="result" data-state="pending"></pre>
<script src="/fhir-client.js"></script>
<script>
${SHOW}
// fhirclient sends no client_id on refresh unless told to (its default is false).
FHIR.oauth2.settings.refreshTokenWithClientId = ${settings.refreshWithClientId};
FHIR.oauth2.ready().then(async (client) => {
  const token = client.state.tokenResponse;
  const patient = await client.patient.read();
  const result = {
    patient: { resourceType: patient.resourceType, id: patient.id },
    context: { patient: token.patient, encounter: token.encounter, scope: token.scope, fhirContext: token.fhirContext, refreshToken: Boolean(token.refresh_token) },
    fhirUser: client.getFhirUser() || null,
  };
  // With a refresh token, also refresh, then read again with the new access token.
  if (token.refresh_token) {
    result.refresh = await client.refresh().then(async (state) => ({
      rotated: state.tokenResponse.refresh_token !== token.refresh_token,
      newAccessToken: state.tokenResponse.access_token !== token.access_token,
      patientId: (await client.patient.read()).id,
    }), (error) => ({ error: String(error && error.message || error) }));
  }
  show(result);
}).catch((error) => show({ error: String(error && error.message || error) }));
</script>`;
}

export async function startSmartTestApp(fhirBase: string): Promise<SmartTestApp> {
  const visits: URL[] = [];
  const settings = { clientId: '', scope: '', redirectUri: '', fhirBase, refreshWithClientId: false };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    visits.push(url);
    const send = (type: string, body: string) => response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/launch.html') return send('text/html; charset=utf-8', launchPage(settings));
    if (url.pathname === '/index.html') return send('text/html; charset=utf-8', indexPage(settings));
    if (url.pathname === '/fhir-client.js') return send('text/javascript; charset=utf-8', FHIR_CLIENT_JS);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  settings.redirectUri = `${origin}/index.html`;
  return {
    origin, launchUrl: `${origin}/launch.html`, redirectUri: settings.redirectUri, settings, visits,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** RFC 7591 registration (open in sandbox mode) of a public app with this launch URL and redirect URI. */
export async function registerPublicApp(authOrigin: string, app: { name: string; launchUrl: string; redirectUri: string }): Promise<string> {
  const response = await fetch(`${authOrigin}/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: app.name, redirect_uris: [app.redirectUri], initiate_login_uri: app.launchUrl, token_endpoint_auth_method: 'none' }),
  });
  const body = await response.json() as { client_id?: string };
  if (response.status !== 201 || !body.client_id) throw new Error(`registration failed: ${response.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

/** Waits for the app to finish (fhirclient done or failed) and returns what it wrote. */
export async function appResult(page: Page): Promise<AppResult> {
  const result = page.locator('#result[data-state="done"]');
  try {
    await result.waitFor({ timeout: 10_000 });
  } catch {
    // Say where the flow stopped instead of a bare timeout.
    throw new Error(`the app did not finish; the browser is at ${page.url()}:\n${(await page.locator('body').innerText()).slice(0, 1000)}`);
  }
  return JSON.parse(await result.textContent() ?? '{}') as AppResult;
}
