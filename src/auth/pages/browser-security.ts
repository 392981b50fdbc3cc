import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sameSecret } from '../secrets.js';

export const SESSION_COOKIE = 'handover_session';
export const CSRF_COOKIE = 'handover_csrf';

/**
 * Headers for every page: no framing (clickjacking), no inline script, no referrer leaking codes
 * or launch values, HSTS in production.
 */
export function pageHeaders(reply: FastifyReply, production: boolean): FastifyReply {
  reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
  if (production) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  return reply;
}

export function cookieOptions(production: boolean, sameSite: 'lax' | 'strict') {
  // Path=/ so the sandbox chart (/ehr) and the portal share the sign-in.
  return { path: '/', httpOnly: true, sameSite, secure: production } as const;
}

/**
 * CSRF: double-submit token (OWASP) — a random value in a SameSite=Strict cookie that every form
 * repeats in a hidden field; a cross-site form cannot read the cookie to repeat it.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, production: boolean): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  reply.setCookie(CSRF_COOKIE, token, cookieOptions(production, 'strict'));
  return token;
}

export function csrfValid(request: FastifyRequest, submitted: string | undefined): boolean {
  const cookie = request.cookies[CSRF_COOKIE];
  return cookie !== undefined && submitted !== undefined && sameSecret(cookie, submitted);
}
