import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatScope, granularCategories, intersectScopes, parseScopes, type ParsedScope } from '../../model/index.js';
import type { UserRecord } from '../../storage/index.js';
import { authUrls, nowMs, type AuthContext } from '../auth-context.js';
import { approveAuthorization } from '../oauth/authorization-code-grant.js';
import { errorRedirect, validateAuthorizeRequest, type AuthorizationRequest } from '../oauth/authorize-request.js';
import { FormParams } from '../oauth/form-params.js';
import { randomToken, verifyPassword } from '../secrets.js';
import { FailedSignIns } from '../users/failed-sign-ins.js';
import { endSession, signedInUser, startSession } from '../users/sessions.js';
import { consentPage, errorPage, patientPickerPage, signInPage } from './auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from './browser-security.js';
import { encountersOf, findPatients, patientLabelOf } from './chart-lookup.js';
import { PAGE_CSS } from './html.js';

/** A user has this long between the app's redirect and their decision. */
const PENDING_MS = 15 * 60 * 1000;
/** Stops a password guesser; a person mistyping never meets it. */
const MAX_FAILED_SIGN_INS = 5;
const FAILED_SIGN_IN_WINDOW_MS = 5 * 60 * 1000;

/**
 * The browser side of the authorization server: the authorization endpoint (GET and form POST,
 * SMART `authorize-post`), sign-in, the patient picker and the consent page. All pages are
 * escaped, framed by nobody, and every form carries a CSRF token.
 */
export async function browserRoutes(app: FastifyInstance, ctx: AuthContext): Promise<void> {
  const production = ctx.mode === 'production';
  const show = (reply: FastifyReply, status: number, body: string) => pageHeaders(reply, production).code(status).send(body);
  const fail = (reply: FastifyReply, status: number, title: string, message: string) => show(reply, status, errorPage(title, message));
  const failedSignIns = new FailedSignIns(MAX_FAILED_SIGN_INS, FAILED_SIGN_IN_WINDOW_MS, () => nowMs(ctx));

  app.get('/auth/assets/handover.css', async (_request, reply) => reply.type('text/css').header('cache-control', 'public, max-age=3600').send(PAGE_CSS));
  // SMART `smart_style_url`: the host's look, so an embedded app can match it.
  app.get('/auth/smart-style.json', async (_request, reply) => reply.header('access-control-allow-origin', '*').send({
    color_background: '#f6f7f9', color_error: '#c92a2a', color_highlight: '#f0b400', color_modal_backdrop: 'rgba(0,0,0,0.4)',
    color_success: '#2b8a3e', color_text: '#1b1f24', dim_border_radius: '0.5rem', dim_font_size: '1rem', dim_spacing_size: '1rem',
    font_family_body: 'system-ui, sans-serif', font_family_heading: 'system-ui, sans-serif',
  }));

  const authorize = async (request: FastifyRequest, reply: FastifyReply, params: FormParams) => {
    const outcome = await validateAuthorizeRequest(ctx, params);
    if (outcome.kind === 'page') return fail(reply, 400, 'This app\'s request cannot be used', outcome.message);
    if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
    const id = randomToken();
    await ctx.records.insertPendingAuthorization({ id, request: JSON.stringify(outcome.request), expiresAt: nowMs(ctx) + PENDING_MS });
    return reply.redirect(`/auth/consent?request=${encodeURIComponent(id)}`, 302);
  };
  app.get('/auth/authorize', (request, reply) => authorize(request, reply, FormParams.fromQuery(request.url)));
  app.post('/auth/authorize', (request, reply) => authorize(request, reply, FormParams.fromBody(request.body)));

  app.get('/auth/sign-in', async (request, reply) => {
    const query = FormParams.fromQuery(request.url);
    return show(reply, 200, signInPage({ csrf: csrfToken(request, reply, production), request: query.optional('request'), next: safeNext(query.optional('next')) }));
  });

  app.post('/auth/sign-in', async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    const pending = form.optional('request');
    const next = safeNext(form.optional('next'));
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site. Go back and sign in again.');
    const username = form.optional('username') ?? '';
    const attemptKey = `${request.ip}|${username.toLowerCase()}`;
    if (failedSignIns.blocked(attemptKey)) {
      reply.header('retry-after', String(FAILED_SIGN_IN_WINDOW_MS / 1000));
      return fail(reply, 429, 'Too many attempts', 'Too many failed sign-ins for this user. Wait a few minutes and try again.');
    }
    const user = await ctx.records.getUserByUsername(username);
    // Verify against a dummy hash for unknown users too, so timing does not reveal which names exist.
    const ok = await verifyPassword(form.optional('password') ?? '', user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      failedSignIns.record(attemptKey);
      return show(reply, 401, signInPage({ csrf: csrfToken(request, reply, production), request: pending, next, username, error: 'The user name or password is wrong.' }));
    }
    failedSignIns.clear(attemptKey);
    await startSession(ctx, reply, user);
    ctx.log.info({ userId: user.userId }, 'user signed in');
    return reply.redirect(pending ? `/auth/consent?request=${encodeURIComponent(pending)}` : (next ?? authUrls(ctx).manage), 303);
  });

  app.post('/auth/sign-out', async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site.');
    await endSession(ctx, request, reply);
    return reply.redirect('/auth/sign-in', 303);
  });

  /** Loads the pending request and the user; answers with a page or redirect when it cannot go on. */
  const pendingFor = async (request: FastifyRequest, reply: FastifyReply, id: string | undefined) => {
    if (!id) return { done: fail(reply, 400, 'Nothing to approve', 'This page needs an authorization request. Start again from the app.') };
    const record = await ctx.records.getPendingAuthorization(id);
    if (!record || record.expiresAt <= nowMs(ctx)) return { done: fail(reply, 400, 'This request has expired', 'Too much time passed, or it was already answered. Start again from the app.') };
    const user = await signedInUser(ctx, request);
    if (!user) return { done: reply.redirect(`/auth/sign-in?request=${encodeURIComponent(id)}`, 303) };
    const pending = JSON.parse(record.request) as AuthorizationRequest;
    if (pending.launch && pending.launch.userId !== user.userId) {
      return { done: fail(reply, 403, 'Wrong user', 'This app was launched for another user. Sign out and sign in as the user who launched it.') };
    }
    return { id, pending, user };
  };

  app.get('/auth/consent', async (request, reply) => {
    const query = FormParams.fromQuery(request.url);
    const loaded = await pendingFor(request, reply, query.optional('request'));
    if ('done' in loaded) return loaded.done;
    const { id, pending, user } = loaded;
    const csrf = csrfToken(request, reply, production);
    const context = patientContext(pending, user);
    if (context.needsPicker) {
      const q = query.optional('q') ?? '';
      return show(reply, 200, patientPickerPage({ csrf, request: id, clientName: pending.clientName, query: q, patients: await findPatients(ctx.store, q) }));
    }
    const scopes = parseScopes(pending.scope).scopes;
    const wantsEncounter = scopes.some((s) => s.kind === 'launch' && s.context === 'encounter') && !pending.launch?.encounterId;
    return show(reply, 200, consentPage({
      csrf, request: id, clientName: pending.clientName, userName: user.displayName, requestedScope: pending.scope,
      patientLabel: context.patientId ? await patientLabelOf(ctx.store, context.patientId) : undefined,
      encounters: wantsEncounter && context.patientId ? await encountersOf(ctx.store, context.patientId) : undefined,
    }));
  });

  app.post('/auth/consent/patient', async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site.');
    const loaded = await pendingFor(request, reply, form.optional('request'));
    if ('done' in loaded) return loaded.done;
    const patientId = form.optional('patient');
    if (!patientId || !(await patientLabelOf(ctx.store, patientId))) return fail(reply, 400, 'Choose a patient', 'That patient does not exist.');
    await replacePending(ctx, loaded.id, { ...loaded.pending, patientId });
    return reply.redirect(`/auth/consent?request=${encodeURIComponent(loaded.id)}`, 303);
  });

  app.post('/auth/consent', async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site.');
    const loaded = await pendingFor(request, reply, form.optional('request'));
    if ('done' in loaded) return loaded.done;
    const { id, pending, user } = loaded;
    // One answer per request: a second submit (or back button) finds nothing.
    await ctx.records.deletePendingAuthorization(id);
    const decision = form.optional('decision');
    if (decision !== 'allow') {
      return reply.redirect(errorRedirect(ctx, pending.redirectUri, pending.state, 'access_denied', 'The user denied the request'), 303);
    }
    const context = patientContext(pending, user);
    if (context.needsPicker) return fail(reply, 400, 'Choose a patient', 'A patient must be chosen first. Start again from the app.');
    const client = await ctx.records.getClient(pending.clientId);
    if (!client) return fail(reply, 400, 'Unknown app', 'The app is no longer registered.');
    const chosen = chosenScopes(pending.scope, new URLSearchParams(request.body as URLSearchParams).getAll('scope'));
    let granted = intersectScopes(chosen, parseScopes(client.scope).scopes);
    // §"Scopes for requesting context data": patient/ scopes only with a patient in context.
    if (!context.patientId) granted = granted.filter((s) => !(s.kind === 'resource' && s.level === 'patient'));
    if (granted.length === 0) {
      return reply.redirect(errorRedirect(ctx, pending.redirectUri, pending.state, 'access_denied', 'Nothing was granted'), 303);
    }
    let encounterId = pending.launch?.encounterId ?? null;
    const pickedEncounter = form.optional('encounter');
    if (!encounterId && pickedEncounter && context.patientId) {
      const encounters = await encountersOf(ctx.store, context.patientId);
      if (encounters.some((e) => e.id === pickedEncounter)) encounterId = pickedEncounter;
    }
    const location = await approveAuthorization(ctx, pending, { user, scopes: granted, patientId: context.patientId ?? null, encounterId });
    return reply.redirect(location, 303);
  });
}

/** Who the patient in context is: from the EHR launch, the user themself, or still to be picked. */
function patientContext(pending: AuthorizationRequest, user: UserRecord): { patientId?: string; needsPicker: boolean } {
  if (pending.launch?.patientId) return { patientId: pending.launch.patientId, needsPicker: false };
  const scopes = parseScopes(pending.scope).scopes;
  const wantsPatient = scopes.some((s) => (s.kind === 'launch' && s.context === 'patient') || (s.kind === 'resource' && s.level === 'patient'));
  if (!wantsPatient) return { needsPicker: false };
  if (user.fhirUser.startsWith('Patient/')) return { patientId: user.fhirUser.slice('Patient/'.length), needsPicker: false };
  if (pending.patientId) return { patientId: pending.patientId, needsPicker: false };
  return { needsPicker: true };
}

/** Only what was requested, or a category cut of it, counts: the form is not trusted to add. */
function chosenScopes(requestedText: string, checked: string[]): ParsedScope[] {
  const allowed = new Map<string, ParsedScope>();
  for (const scope of parseScopes(requestedText).scopes) {
    allowed.set(formatScope(scope, 'requested'), scope);
    for (const category of granularCategories(scope)) allowed.set(formatScope(category.scope, 'v2'), category.scope);
  }
  return [...new Set(checked)].map((text) => allowed.get(text)).filter((s): s is ParsedScope => s !== undefined);
}

async function replacePending(ctx: AuthContext, id: string, request: AuthorizationRequest): Promise<void> {
  const record = await ctx.records.getPendingAuthorization(id);
  if (!record) return;
  await ctx.records.deletePendingAuthorization(id);
  await ctx.records.insertPendingAuthorization({ id, request: JSON.stringify(request), expiresAt: record.expiresAt });
}

/** Only our own paths: `next` must never send the browser elsewhere (no open redirect). */
function safeNext(next: string | undefined): string | undefined {
  return next !== undefined && /^\/(auth|ehr|portal|review)(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&_%.-]*)?$/.test(next) ? next : undefined;
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
