import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import { cookieOptions, SESSION_COOKIE } from '../pages/browser-security.js';
import { digest, randomToken } from '../secrets.js';

/** A sign-in lasts a working day; an offline grant, not the session, is what outlives it. */
const SESSION_MS = 8 * 3600 * 1000;

/** The signed-in user of this browser, if any (the cookie holds a random id; storage its digest). */
export async function signedInUser(ctx: AuthContext, request: FastifyRequest): Promise<UserRecord | undefined> {
  const id = request.cookies[SESSION_COOKIE];
  if (!id) return undefined;
  const session = await ctx.records.getSession(digest(id));
  if (!session || session.expiresAt <= nowMs(ctx)) return undefined;
  return ctx.records.getUser(session.userId);
}

export async function startSession(ctx: AuthContext, reply: FastifyReply, user: UserRecord): Promise<void> {
  const id = randomToken();
  const now = nowMs(ctx);
  await ctx.records.insertSession({ sessionHash: digest(id), userId: user.userId, createdAt: now, expiresAt: now + SESSION_MS });
  // Lax, not Strict: the app sends the browser here by a top-level redirect from its own site.
  reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(ctx.mode === 'production', 'lax'), maxAge: SESSION_MS / 1000 });
}

export async function endSession(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const id = request.cookies[SESSION_COOKIE];
  if (id) await ctx.records.deleteSession(digest(id));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(ctx.mode === 'production', 'lax'));
}
