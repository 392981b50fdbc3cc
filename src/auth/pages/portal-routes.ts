import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthContext } from '../auth-context.js';
import { FormParams } from '../oauth/form-params.js';
import { signedInUser } from '../users/sessions.js';
import { errorPage } from './auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from './browser-security.js';
import { portalPage } from './portal-page.js';

const PORTAL = '/portal';
const SIGN_IN = `/auth/sign-in?next=${PORTAL}`;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The patient portal (issue 5, ADR 0009), beside the connected-apps page: it shares its sign-in,
 * CSRF and page rules. Only a user who is a patient (`fhirUser` Patient/…) has one; what it shows
 * and what "Stop sharing" does come from the consent capability (`ctx.consent`).
 */
export function portalRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const production = ctx.mode === 'production';
  const fail = (reply: FastifyReply, status: number, title: string, message: string) =>
    pageHeaders(reply, production).code(status).send(errorPage(title, message));
  const patientOf = (fhirUser: string) => /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(fhirUser)?.[1];

  app.get(PORTAL, async (request, reply) => {
    const user = await signedInUser(ctx, request);
    if (!user) return reply.redirect(SIGN_IN, 303);
    const patientId = patientOf(user.fhirUser);
    if (!patientId) return fail(reply, 403, 'The portal is for patients', 'You are not signed in as a patient. Your own authorizations are on the connected-apps page (/auth/apps).');
    const revoked = FormParams.fromQuery(request.url).optional('stopped');
    return pageHeaders(reply, production).code(200).send(portalPage({
      csrf: csrfToken(request, reply, production), userName: user.displayName, recipients: await ctx.consent.recipientsOf(patientId),
      invitations: await ctx.handover.pendingOf(patientId),
      notice: revoked === 'ended' ? 'That sharing had already ended.' : revoked !== undefined ? 'Sharing stopped. The recipient can no longer read or receive your records.' : undefined,
    }));
  });

  app.post(`${PORTAL}/revoke`, async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return fail(reply, 403, 'Please try again', 'The form expired or was sent from another site. Go back to your portal and try again.');
    const user = await signedInUser(ctx, request);
    if (!user) return reply.redirect(SIGN_IN, 303);
    const patientId = patientOf(user.fhirUser);
    const consentId = form.optional('consent');
    // Another patient's Consent is answered exactly like an unknown one.
    const outcome = patientId && consentId && FHIR_ID.test(consentId)
      ? await ctx.consent.revokeConsent(patientId, consentId, { fhirUser: user.fhirUser, displayName: user.displayName }) : 'not-found';
    if (outcome === 'not-found') return fail(reply, 404, 'No such sharing', 'This sharing is not among yours. Go back to your portal.');
    ctx.log.info({ consentId, userId: user.userId, outcome }, 'sharing stopped in the portal');
    return reply.redirect(`${PORTAL}?stopped=${outcome === 'revoked' ? '1' : 'ended'}`, 303);
  });
}
