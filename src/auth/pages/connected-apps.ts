import type { FastifyInstance, FastifyReply } from 'fastify';
import { grantLiveness } from '../../access/index.js';
import { parseScopes } from '../../model/index.js';
import type { GrantRecord, UserRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { FormParams } from '../oauth/form-params.js';
import { signedInUser } from '../users/sessions.js';
import { errorPage } from './auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from './browser-security.js';
import { patientLabelOf } from './chart-lookup.js';
import { connectedAppsPage, type ConnectedApp } from './connected-apps-page.js';
import { describeScope } from './describe-scope.js';

const PAGE = '/auth/apps';
const SIGN_IN = `/auth/sign-in?next=${PAGE}`;
/** Ended authorizations shown, newest first: enough to recognise a recent revocation. */
const ENDED_SHOWN = 20;
/** Grant ids are UUIDs; anything else is refused before it reaches storage. */
const GRANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The connected-apps page (SMART `management_endpoint`): a signed-in user sees the apps they
 * authorized and revokes any of them. Revoking ends the grant (ADR 0003), so its access and
 * refresh tokens fail their next check.
 */
export function connectedAppsRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const production = ctx.mode === 'production';
  const fail = (reply: FastifyReply, status: number, title: string, message: string) =>
    pageHeaders(reply, production).code(status).send(errorPage(title, message));

  app.get(PAGE, async (request, reply) => {
    const revoked = FormParams.fromQuery(request.url).optional('revoked');
    const user = await signedInUser(ctx, request);
    if (!user) return reply.redirect(SIGN_IN, 303);
    const apps = await connectedApps(ctx, user);
    return pageHeaders(reply, production).code(200).send(connectedAppsPage({
      csrf: csrfToken(request, reply, production), userName: user.displayName, apps,
      notice: revoked !== undefined ? 'The app\'s access was revoked.' : undefined, isPatient: user.fhirUser.startsWith('Patient/'),
    }));
  });

  app.post(`${PAGE}/revoke`, async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site. Go back and try again.');
    const user = await signedInUser(ctx, request);
    if (!user) return reply.redirect(SIGN_IN, 303);
    const grantId = form.optional('grant');
    const grant = grantId !== undefined && GRANT_ID.test(grantId) ? await ctx.records.getGrant(grantId) : undefined;
    // Only the user's own grants: another user's id is answered exactly like an unknown one.
    if (!grant || grant.userId !== user.userId) return fail(reply, 404, 'No such app', 'This app is not among yours. Go back to your connected apps.');
    if (await ctx.records.revokeGrant(grant.id, nowMs(ctx), 'revoked by the user on the connected-apps page')) {
      ctx.log.info({ grantId: grant.id, clientId: grant.clientId, userId: user.userId }, 'grant revoked by the user');
    }
    return reply.redirect(`${PAGE}?revoked=1`, 303);
  });
}

/** The user's grants in plain words: live ones all, ended ones the most recent few. */
async function connectedApps(ctx: AuthContext, user: UserRecord): Promise<ConnectedApp[]> {
  const grants = await ctx.records.grantsOfUser(user.userId);
  const appNames = new Map<string, string>();
  const apps: ConnectedApp[] = [];
  let ended = 0;
  for (const grant of grants) {
    const status = await statusOf(ctx, grant);
    if (status !== 'active' && ++ended > ENDED_SHOWN) continue;
    if (!appNames.has(grant.clientId)) appNames.set(grant.clientId, (await ctx.records.getClient(grant.clientId))?.clientName ?? 'An app no longer registered');
    const ends = [grant.expiresAt, grant.idleExpiresAt].filter((t): t is number => t !== null);
    apps.push({
      grantId: grant.id,
      appName: appNames.get(grant.clientId)!,
      permissions: parseScopes(grant.scope).scopes.map(describeScope),
      patientLabel: grant.patientId ? (await patientLabelOf(ctx.store, grant.patientId)) ?? `Patient ${grant.patientId}` : undefined,
      since: grant.createdAt,
      lastUsed: grant.lastUsedAt,
      offline: grant.offline,
      endsAt: ends.length > 0 ? Math.min(...ends) : null,
      status,
      revokedAt: grant.revokedAt,
    });
  }
  return apps;
}

async function statusOf(ctx: AuthContext, grant: GrantRecord): Promise<ConnectedApp['status']> {
  if (grant.revokedAt !== null) return 'revoked';
  return (await grantLiveness(ctx.records, grant, nowMs(ctx))).alive ? 'active' : 'expired';
}
