import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../../storage/index.js';
import type { AuthContext } from '../auth-context.js';
import { signedInUser } from '../users/sessions.js';
import { errorPage } from './auth-pages.js';
import { pageHeaders } from './browser-security.js';

/**
 * The pages for clinicians (the sandbox chart, the review queue): the signed-in user when their
 * `fhirUser` is a Practitioner; otherwise the reply is sent — to the sign-in (back here after),
 * or a 403 page saying `refusal` — and the route returns it.
 */
export async function signedInClinician(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply, refusal: string): Promise<UserRecord | undefined> {
  const user = await signedInUser(ctx, request);
  if (!user) {
    await reply.redirect(`/auth/sign-in?next=${encodeURIComponent(new URL(request.url, 'http://x').pathname)}`, 303);
    return undefined;
  }
  if (!user.fhirUser.startsWith('Practitioner/')) {
    await pageHeaders(reply, ctx.mode === 'production').code(403).send(errorPage('Clinicians only', refusal));
    return undefined;
  }
  return user;
}
