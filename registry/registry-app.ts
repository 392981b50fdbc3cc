import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotificationReceiver, notificationHandler, type TrackerState } from '../recipient/index.js';
import { applyNotification } from './apply-notification.js';
import { fhirRequest, searchAll, type FhirResource } from './fhir-reader.js';
import { GrantTokens } from './grant-tokens.js';
import { messagePage, referralDonePage, referralFormPage, staffPage, type StaffPatient } from './pages.js';
import { listOf, listSearches, type ListName } from './patient-lists.js';
import { FOLLOWED_STATUSES, RegistryDb } from './registry-db.js';
import type { RegistryOptions } from './registry-options.js';
import { loadSecretBox, type SecretBox } from './secret-box.js';
import { authorizeUrl, discover, newAuthorization, registerClient, tokenRequest, verifiedFhirUser, type ClientCredentials, type SmartConfiguration } from './smart-client.js';
import { subscribeReferral } from './subscribe.js';
import { Upkeep } from './upkeep.js';

/** SMART App Launch 2.2 scopes the registry asks for (issue 6): read the lists, manage its subscriptions, stay offline. */
export const REGISTRY_SCOPE = 'launch openid fhirUser offline_access patient/Patient.rs patient/Condition.rs patient/MedicationRequest.rs '
  + 'patient/MedicationStatement.rs patient/Medication.rs patient/AllergyIntolerance.rs patient/Subscription.cruds';
const LOGIN_TTL_MS = 10 * 60_000;

export interface RunningRegistry {
  url: string;
  db: RegistryDb;
  clientId: string;
  /** One upkeep pass now (introspection, `$status`, catch-up, renewal) instead of at the next tick. */
  checkNow(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the registry: its database, its registration with the server, its HTTP endpoints. */
export async function startRegistry(options: RegistryOptions, now: () => number = Date.now): Promise<RunningRegistry> {
  const db = new RegistryDb(options.dbFile);
  const box = loadSecretBox(options.dbFile, options.key);
  const smart = await smartClient(db, box, options);
  const tokens = new GrantTokens(db, box, async () => smart, now);
  const staffPassword = options.staffPassword ?? randomBytes(12).toString('base64url');
  if (!options.staffPassword) console.log(`registry staff pages: user "staff", password ${staffPassword} (set HANDOVER_REGISTRY_STAFF_PASSWORD to choose)`);

  const receiver = new NotificationReceiver({
    lookup: async (key) => {
      const row = db.subscription(key);
      // A subscription the registry no longer follows (refused, stopped, gone) is no endpoint: 404.
      if (!row || !FOLLOWED_STATUSES.includes(row.status) || db.grant(row.grant_id)?.status !== 'active') return undefined;
      return {
        header: box.open(row.header, `header:${key}`), fhirBase: options.fhirBase, ...(row.server_id ? { subscriptionId: row.server_id } : {}),
        accessToken: () => tokens.accessToken(row.grant_id),
      };
    },
    loadState: async (key) => {
      const state = db.subscription(key)?.tracker_state;
      return state ? (JSON.parse(state) as TrackerState) : undefined;
    },
    accept: applyNotification({ db, tokens, fhirBase: options.fhirBase, now }),
  });
  const notifications = notificationHandler(receiver, { keyOf: (req) => /^\/notifications\/([\w-]{10,64})$/.exec(req.url ?? '')?.[1] });
  const upkeep = new Upkeep({ db, tokens, smart, receiver, box, fhirBase: options.fhirBase, publicUrl: options.publicUrl, now, log: (m) => console.log(`registry: ${m}`) },
    { checkEveryMs: options.checkEveryMs, renewBeforeMs: options.renewBeforeMs });
  const staffCsrf = digest(`staff-csrf:${randomBytes(24).toString('base64url')}`);
  const ctx: RouteContext = { db, box, tokens, smart, options, now, staffPassword, staffCsrf, upkeep };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    const route = path.startsWith('/notifications/') ? () => notifications(req, res)
      : ROUTES[`${req.method} ${path}`];
    if (!route) return send(res, 404, messagePage('Not found', 'There is no such page.'));
    Promise.resolve(route(req, res, ctx)).catch((error: unknown) => {
      console.error('registry error', error);
      if (!res.headersSent) send(res, 500, messagePage('Something went wrong', 'The registry could not complete this request.'));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const url = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  upkeep.start();
  return {
    url, db, clientId: smart.client.clientId, checkNow: () => upkeep.checkNow(),
    close: async () => {
      await upkeep.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    },
  };
}

interface RouteContext {
  db: RegistryDb;
  box: SecretBox;
  tokens: GrantTokens;
  smart: { config: SmartConfiguration; client: ClientCredentials };
  options: RegistryOptions;
  now: () => number;
  staffPassword: string;
  /** The staff forms' CSRF token (Basic credentials are sent by the browser on any site's form). */
  staffCsrf: string;
  upkeep: Upkeep;
}
type Route = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => Promise<void> | void;

/** Discovery, and RFC 7591 registration once per FHIR base (the credentials sealed in the database). */
async function smartClient(db: RegistryDb, box: SecretBox, options: RegistryOptions): Promise<{ config: SmartConfiguration; client: ClientCredentials }> {
  const config = await discover(options.fhirBase);
  const name = `client:${options.fhirBase}`;
  const stored = db.setting(name);
  if (stored) return { config, client: JSON.parse(box.open(stored, name)) as ClientCredentials };
  const client = await registerClient(config, { name: 'Handover reference registry', redirectUri: `${options.publicUrl}/callback`, launchUri: `${options.publicUrl}/launch`, scope: REGISTRY_SCOPE });
  db.setSetting(name, box.seal(JSON.stringify(client), name));
  return { config, client };
}

const ROUTES: Record<string, Route> = {
  'GET /healthz': (_req, res) => send(res, 200, 'ok', 'text/plain'),

  // SMART EHR launch: the EHR sends the browser here with iss and launch.
  'GET /launch': (req, res, ctx) => {
    const query = new URL(req.url!, 'http://registry').searchParams;
    const iss = query.get('iss');
    const launch = query.get('launch');
    if (iss?.replace(/\/$/, '') !== ctx.options.fhirBase || !launch) return send(res, 400, messagePage('Cannot launch', 'This registry works with one FHIR server, and a launch needs iss and launch.'));
    const auth = newAuthorization();
    const browser = randomBytes(24).toString('base64url');
    ctx.db.insertLogin({ state: auth.state, browser: digest(browser), verifier: auth.verifier, nonce: auth.nonce, created_at: ctx.now() });
    res.setHeader('set-cookie', cookie('registry_login', browser, ctx.options.publicUrl, 600));
    redirect(res, authorizeUrl(ctx.smart.config, {
      clientId: ctx.smart.client.clientId, redirectUri: `${ctx.options.publicUrl}/callback`, scope: REGISTRY_SCOPE, state: auth.state,
      challenge: auth.challenge, nonce: auth.nonce, aud: ctx.options.fhirBase, launch,
    }));
  },

  'GET /callback': async (req, res, ctx) => {
    const query = new URL(req.url!, 'http://registry').searchParams;
    const login = ctx.db.takeLogin(query.get('state') ?? '');
    const browser = cookies(req).registry_login;
    // The state must be ours, fresh, and started in this same browser (no login CSRF).
    if (!login || !browser || !safeEqual(login.browser, digest(browser)) || ctx.now() - login.created_at > LOGIN_TTL_MS) {
      return send(res, 400, messagePage('Cannot complete the launch', 'This sign-in was not started here, or it expired. Launch again from the chart.'));
    }
    if (query.get('error')) return send(res, 403, messagePage('Not authorized', `The server answered: ${query.get('error_description') ?? query.get('error')}`));
    const tokens = await tokenRequest(ctx.smart.config, ctx.smart.client, {
      grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: `${ctx.options.publicUrl}/callback`, code_verifier: login.verifier,
    });
    if (!tokens.patient) return send(res, 400, messagePage('No patient', 'The launch carried no patient; launch the registry from a patient\'s chart.'));
    const fhirUser = tokens.id_token ? await verifiedFhirUser(ctx.smart.config, ctx.smart.client.clientId, tokens.id_token, login.nonce) : undefined;
    const grantId = randomBytes(16).toString('base64url');
    ctx.db.insertGrant({
      id: grantId, patient_id: tokens.patient, fhir_user: fhirUser ?? null, scope: tokens.scope ?? '', status: 'active', created_at: ctx.now(),
      refresh_token: tokens.refresh_token ? ctx.tokens.sealRefreshToken(grantId, tokens.refresh_token) : null,
    });
    ctx.tokens.remember(grantId, tokens);
    const session = randomBytes(24).toString('base64url');
    ctx.db.insertSession({ id: digest(session), grant_id: grantId, csrf: randomBytes(24).toString('base64url'), created_at: ctx.now() });
    res.setHeader('set-cookie', [cookie('registry_session', session, ctx.options.publicUrl, 3600), cookie('registry_login', '', ctx.options.publicUrl, 0)]);
    redirect(res, '/referral');
  },

  'GET /referral': async (req, res, ctx) => {
    const session = sessionOf(req, ctx);
    if (!session) return send(res, 401, messagePage('Launch first', 'Open the registry from the patient\'s chart.'));
    const { patientName, items } = await readChart(ctx, session.grant_id);
    send(res, 200, referralFormPage({ patientName, items, csrf: session.csrf }));
  },

  'POST /referral': async (req, res, ctx) => {
    const session = sessionOf(req, ctx);
    const form = new URLSearchParams(await readText(req));
    if (!session || !safeEqual(form.get('csrf') ?? '', session.csrf)) return send(res, 403, messagePage('Please launch again', 'The form expired or was not sent from the registry.'));
    const reason = (form.get('reason') ?? '').trim().slice(0, 2000);
    if (!reason) return send(res, 400, messagePage('A reason is needed', 'Go back and give the reason for the referral.'));
    const grant = ctx.db.grant(session.grant_id)!;
    const { patientName, items } = await readChart(ctx, grant.id);
    const referralId = randomBytes(16).toString('base64url');
    ctx.db.transaction(() => {
      ctx.db.insertReferral({
        id: referralId, grant_id: grant.id, patient_id: grant.patient_id, patient_name: patientName, reason,
        urgency: form.get('urgency') === 'urgent' ? 'urgent' : 'routine', referred_by: grant.fhir_user, created_at: ctx.now(),
      });
      for (const { list, resource } of items) {
        ctx.db.upsertListItem({ patient_id: grant.patient_id, list, resource_type: resource.resourceType, resource_id: String(resource.id), json: JSON.stringify(resource), updated_at: ctx.now() });
      }
    });
    const made = await subscribeReferral({ db: ctx.db, box: ctx.box, tokens: ctx.tokens, fhirBase: ctx.options.fhirBase, publicUrl: ctx.options.publicUrl, now: ctx.now },
      { id: referralId, grantId: grant.id, patientId: grant.patient_id }, form.get('content') === 'full-resource' ? 'full-resource' : 'id-only');
    send(res, 200, referralDonePage(patientName, made.length));
  },

  'GET /staff': (req, res, ctx) => {
    if (!staffAllowed(req, res, ctx)) return;
    const notice = new URL(req.url!, 'http://registry').searchParams.get('done');
    send(res, 200, staffPage(staffView(ctx), { csrf: ctx.staffCsrf, notice: notice ? STAFF_NOTICES[notice] : undefined }));
  },

  'GET /staff/patients.json': (req, res, ctx) => {
    if (!staffAllowed(req, res, ctx)) return;
    send(res, 200, JSON.stringify(staffView(ctx)), 'application/json');
  },

  // Check every grant and subscription now rather than at the next tick.
  'POST /staff/check': async (req, res, ctx) => {
    if (!staffAllowed(req, res, ctx)) return;
    if (!staffFormValid(new URLSearchParams(await readText(req)), ctx)) return send(res, 403, messagePage('Please try again', 'The form expired or was not sent from the registry.'));
    await ctx.upkeep.checkNow();
    redirect(res, '/staff?done=checked');
  },

  // The registry stops following a referral on its own: deletes its subscriptions, revokes its token.
  'POST /staff/stop': async (req, res, ctx) => {
    if (!staffAllowed(req, res, ctx)) return;
    const form = new URLSearchParams(await readText(req));
    if (!staffFormValid(form, ctx)) return send(res, 403, messagePage('Please try again', 'The form expired or was not sent from the registry.'));
    const referral = ctx.db.referrals().find((r) => r.id === form.get('referral'));
    if (!referral) return send(res, 404, messagePage('No such referral', 'Go back to the referred patients.'));
    await ctx.upkeep.stopSharing(referral.grant_id, 'stopped by registry staff');
    redirect(res, '/staff?done=stopped');
  },
};

/** The patient's name and the three lists, read with the grant's token. */
async function readChart(ctx: RouteContext, grantId: string): Promise<{ patientName: string; items: { list: ListName; resource: FhirResource }[] }> {
  const grant = ctx.db.grant(grantId)!;
  const patient = await fhirRequest(ctx.tokens, grantId, `${ctx.options.fhirBase}/Patient/${encodeURIComponent(grant.patient_id)}`);
  const name = (patient.body?.name as { given?: string[]; family?: string; text?: string }[] | undefined)?.[0];
  const patientName = name?.text ?? ([...(name?.given ?? []), name?.family].filter(Boolean).join(' ') || `Patient/${grant.patient_id}`);
  const items = (await Promise.all(listSearches(ctx.options.fhirBase, grant.patient_id).map(async (s) => (await searchAll(ctx.tokens, grantId, s.url)))))
    .flat().flatMap((resource) => { const list = listOf(resource); return list ? [{ list, resource }] : []; });
  return { patientName, items };
}

const STAFF_NOTICES: Record<string, string> = { checked: 'Every grant and subscription was checked just now.', stopped: 'The registry stopped following that referral.' };

function staffView({ db, upkeep }: RouteContext): StaffPatient[] {
  return db.referrals().map((referral) => {
    const grant = db.grant(referral.grant_id);
    return {
      referral,
      sharing: grant?.status === 'active' ? { status: 'active', reason: null, since: null } : { status: 'ended', reason: grant?.status_reason ?? 'unknown', since: grant?.updated_at ?? null },
      items: db.listItems(referral.patient_id).map((i) => ({ list: i.list as ListName, resource: JSON.parse(i.json) as FhirResource })),
      subscriptions: db.subscriptionsOfGrant(referral.grant_id).map((s) => ({
        ...s, header: '(sealed)', events: db.eventsOf(s.key), lastEventNumber: (JSON.parse(s.tracker_state ?? '{"lastContiguous":0}') as TrackerState).lastContiguous,
        renewalDue: FOLLOWED_STATUSES.includes(s.status) ? upkeep.renewalDue(s) ?? null : null,
      })),
      timeline: db.notificationsOfPatient(referral.patient_id),
    };
  });
}

function staffFormValid(form: URLSearchParams, ctx: RouteContext): boolean {
  return safeEqual(form.get('csrf') ?? '', ctx.staffCsrf);
}

function staffAllowed(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): boolean {
  const given = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const [user, password] = given ? Buffer.from(given, 'base64').toString('utf8').split(/:(.*)/s) : [];
  if (user === 'staff' && password !== undefined && safeEqual(digest(password), digest(ctx.staffPassword))) return true;
  res.setHeader('www-authenticate', 'Basic realm="registry staff"');
  send(res, 401, messagePage('Staff only', 'Sign in as registry staff.'));
  return false;
}

function sessionOf(req: IncomingMessage, ctx: RouteContext) {
  const id = cookies(req).registry_session;
  return id ? ctx.db.session(digest(id)) : undefined;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/html'): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  }).end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
}

function cookie(name: string, value: string, publicUrl: string, maxAge: number): string {
  // SameSite=Lax: the callback is a top-level GET from the server's consent page.
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${publicUrl.startsWith('https:') ? '; Secure' : ''}`;
}

function cookies(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split(/=(.*)/s)).filter((p) => p[0]).map((p) => [p[0], p[1] ?? '']));
}

async function readText(req: IncomingMessage, maxBytes = 64 * 1024): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > maxBytes) throw new Error('form too large');
  }
  return text;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
