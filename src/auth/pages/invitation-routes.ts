import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth-context.js';
import type { InvitationRefusal } from '../handover-port.js';
import { FormParams } from '../oauth/form-params.js';
import { signedInUser } from '../users/sessions.js';
import { errorPage } from './auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from './browser-security.js';
import { invitationAnsweredPage, invitationReviewPage, REFUSALS } from './invitation-pages.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The patient's side of the handover (issue 5 b, ADR 0010), in the portal: the link from the email
 * or the printed QR code (`/portal/invitation/<token>`) leads, once signed in as the invitation's
 * patient, to the review (`/portal/invitations/<id>`), whose one form approves or declines.
 * Anything else — unknown, someone else's, answered, expired, ended — gets its clear page and
 * changes nothing.
 */
export function invitationRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const production = ctx.mode === 'production';
  const refuse = (reply: FastifyReply, why: InvitationRefusal) =>
    pageHeaders(reply, production).code(REFUSALS[why].status).send(errorPage(REFUSALS[why].title, REFUSALS[why].message));

  /** The signed-in patient, or a redirect to sign in and come back; a signed-in non-patient is someone else. */
  const patient = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = await signedInUser(ctx, request);
    if (!user) {
      await reply.redirect(`/auth/sign-in?next=${encodeURIComponent(new URL(request.url, 'http://x').pathname)}`, 303);
      return undefined;
    }
    const patientId = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(user.fhirUser)?.[1];
    if (!patientId) {
      await refuse(reply, 'someone-else');
      return undefined;
    }
    return { patientId, fhirUser: user.fhirUser, displayName: user.displayName };
  };

  app.get('/portal/invitation/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const who = await patient(request, reply);
    if (!who) return reply;
    const opened = TOKEN.test(token) ? await ctx.handover.openLink(token, who.patientId) : { refused: 'unknown' as const };
    if ('refused' in opened) return refuse(reply, opened.refused);
    return reply.redirect(`/portal/invitations/${opened.invitationId}`, 303);
  });

  app.get('/portal/invitations/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const who = await patient(request, reply);
    if (!who) return reply;
    const review = ID.test(id) ? await ctx.handover.review(id, who.patientId) : { refused: 'unknown' as const };
    if ('refused' in review) return refuse(reply, review.refused);
    return pageHeaders(reply, production).code(200).send(invitationReviewPage({ csrf: csrfToken(request, reply, production), userName: who.displayName, invitation: review }));
  });

  app.post('/portal/invitations/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) {
      return pageHeaders(reply, production).code(403).send(errorPage('Please try again', 'The form expired or was sent from another site. Open the invitation again. Nothing was changed.'));
    }
    const who = await patient(request, reply);
    if (!who) return reply;
    const decision = form.optional('decision');
    if (decision !== 'approve' && decision !== 'decline') {
      return pageHeaders(reply, production).code(400).send(errorPage('Choose an answer', 'Approve or decline the sharing. Nothing was changed.'));
    }
    const review = ID.test(id) ? await ctx.handover.review(id, who.patientId) : { refused: 'unknown' as const };
    if ('refused' in review) return refuse(reply, review.refused);
    const answered = await ctx.handover.answer(id, who, decision);
    if ('refused' in answered) return refuse(reply, answered.refused);
    ctx.log.info({ invitationId: id, outcome: answered.outcome }, 'invitation answered in the portal');
    return pageHeaders(reply, production).code(200).send(invitationAnsweredPage(answered.outcome, review.recipientName));
  });
}
