import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth-context.js';
import { signedInClinician } from './clinician-gate.js';
import { FormParams } from '../oauth/form-params.js';
import { errorPage } from './auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from './browser-security.js';
import { reviewIndexPage, reviewQueuePage } from './review-page.js';

const REVIEW = '/review';
const CLIENT_ID = /^[A-Za-z0-9\-._~]{1,128}$/;
const MAX_ITEMS = 500;
const MAX_REASON = 500;

/**
 * Review before sending (issue 5 c, ADR 0014): the clinician's queue, in every mode (a site that
 * requires review needs it in production). A signed-in user whose `fhirUser` is a Practitioner
 * may review; the pages share the sign-in, CSRF and page rules of the others. What is shown and
 * what a decision does come from the consent capability (`ctx.review`).
 */
export function reviewRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const production = ctx.mode === 'production';
  const show = (reply: FastifyReply, status: number, body: string) => pageHeaders(reply, production).code(status).send(body);

  const clinician = (request: FastifyRequest, reply: FastifyReply) => signedInClinician(ctx, request, reply, 'Reviewing what leaves is for clinicians.');
  const clientOf = (request: FastifyRequest) => {
    const { clientId } = request.params as { clientId: string };
    return CLIENT_ID.test(clientId) ? clientId : undefined;
  };

  app.get(REVIEW, async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    return show(reply, 200, reviewIndexPage({ userName: user.displayName, recipients: await ctx.review.recipients(), csrf: csrfToken(request, reply, production) }));
  });

  app.get(`${REVIEW}/:clientId`, async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    const clientId = clientOf(request);
    const queue = clientId ? await ctx.review.queueOf(clientId) : undefined;
    if (!clientId || !queue) return show(reply, 404, errorPage('No such recipient', 'There is no registered app with that id.'));
    const query = FormParams.fromQuery(request.url);
    const decided = query.optional('decided');
    const notice = decided === undefined ? undefined : decided === '0' ? 'Those events had already been decided.' : `${decided} decided.`;
    return show(reply, 200, reviewQueuePage({ clientId, userName: user.displayName, queue, csrf: csrfToken(request, reply, production), notice,
      error: query.optional('error') === 'reason' ? 'Give a reason to reject: the recipient is told why it did not receive the event.' : undefined }));
  });

  app.post(`${REVIEW}/:clientId`, async (request, reply) => {
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return show(reply, 403, errorPage('Please try again', 'The form expired or was sent from another site. Go back to the review queue and try again.'));
    const user = await clinician(request, reply);
    if (!user) return reply;
    const clientId = clientOf(request);
    if (!clientId) return show(reply, 404, errorPage('No such recipient', 'There is no registered app with that id.'));
    const items = form.entries().filter(([name]) => name === 'item').map(([, value]) => value).slice(0, MAX_ITEMS);
    const decision = form.optional('decision');
    if (items.length === 0 || (decision !== 'approve' && decision !== 'reject')) {
      return show(reply, 400, errorPage('Nothing to decide', 'Choose approve or reject for at least one event.'));
    }
    const back = `${REVIEW}/${encodeURIComponent(clientId)}`;
    const reason = form.optional('reason')?.trim().slice(0, MAX_REASON);
    if (decision === 'reject' && !reason) return reply.redirect(`${back}?error=reason`, 303);
    const count = await ctx.review.decide(clientId, items, decision === 'approve' ? { approve: true } : { approve: false, reason: reason! },
      { fhirUser: user.fhirUser, displayName: user.displayName });
    return reply.redirect(`${back}?decided=${count}`, 303);
  });
}
