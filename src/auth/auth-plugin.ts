import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OutboundRefused } from '../base/index.js';
import type { AuthContext } from './auth-context.js';
import { ClientJwks } from './clients/client-jwks.js';
import { InvalidClientMetadata, registerClient, registrationResponse, type ClientMetadata } from './clients/register-client.js';
import { openidConfiguration, smartConfiguration } from './oauth/discovery.js';
import { OAuthError } from './oauth/oauth-error.js';
import { grantHandlers, tokenRequest } from './oauth/token-endpoint.js';
import { operatorAuthorized } from './operator.js';
import { launchApi } from './launch/launch-api.js';
import { introspectionRoute } from './oauth/introspection.js';
import { revocationRoute } from './oauth/revocation.js';
import { connectedAppsRoutes } from './pages/connected-apps.js';
import { invitationRoutes } from './pages/invitation-routes.js';
import { portalRoutes } from './pages/portal-routes.js';
import { reviewRoutes } from './pages/review-routes.js';
import { nowMs } from './auth-context.js';
import { errorPage } from './pages/auth-pages.js';
import { pageHeaders } from './pages/browser-security.js';
import { browserRoutes } from './pages/browser-routes.js';
import { chartRoutes } from './sandbox-ehr/chart-routes.js';

/** Largest OAuth request body we read; a token request is a few kB at most. */
const OAUTH_BODY_LIMIT = 64 * 1024;
/** Per client address; generous, since a backend service may fetch often, but it bounds guessing. */
const TOKEN_LIMIT = { max: 600, timeWindow: '1 minute' };

/** OAuth endpoints and pages take form posts only (and JSON where said); anything else is refused. */
function acceptForms(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: OAUTH_BODY_LIMIT }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: OAUTH_BODY_LIMIT }, (_request, _body, done) => {
    done(new OAuthError('invalid_request', 'Unsupported content type: send application/x-www-form-urlencoded'), undefined);
  });
}

/**
 * The SMART authorization server: discovery under the FHIR base, the OAuth endpoints under
 * /auth. Every OAuth error is RFC 6749 JSON, never an HTML page or a 500.
 */
export async function authPlugin(app: FastifyInstance, options: { ctx: AuthContext }): Promise<void> {
  const { ctx } = options;
  const jwks = new ClientJwks(
    { allowLoopback: ctx.mode === 'sandbox', httpsOnly: ctx.mode === 'production', timeoutMs: 5000, maxBytes: 64 * 1024 },
    () => nowMs(ctx),
  );

  await app.register(async (scope) => {
    const publicJson = (reply: FastifyReply, body: unknown) =>
      reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300').type('application/json').send(body);
    scope.get('/fhir/.well-known/smart-configuration', async (_request, reply) => publicJson(reply, smartConfiguration(ctx)));
    scope.get('/fhir/.well-known/openid-configuration', async (_request, reply) => publicJson(reply, openidConfiguration(ctx)));
    scope.get('/auth/jwks', async (_request, reply) => publicJson(reply, await ctx.keys.jwks()));
  });

  await app.register(async (browser) => {
    await browser.register(cookie);
    acceptForms(browser);
    browser.setErrorHandler((error, request, reply) => {
      const status = error instanceof OAuthError ? 400 : (error as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'page failed');
      const message = status === 429 ? 'Too many attempts. Wait a minute and try again.' : status >= 500 ? 'Something went wrong on our side; nothing was changed.' : (error as Error).message;
      pageHeaders(reply, ctx.mode === 'production').code(status).send(errorPage(status === 429 ? 'Slow down' : 'This request cannot be used', message));
    });
    await browserRoutes(browser, ctx);
    connectedAppsRoutes(browser, ctx);
    invitationRoutes(browser, ctx);
    portalRoutes(browser, ctx);
    reviewRoutes(browser, ctx);
    if (ctx.mode === 'sandbox') chartRoutes(browser, ctx);
  });

  await app.register(async (oauth) => {
    await oauth.register(rateLimit, { global: false });
    acceptForms(oauth);
    oauth.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: OAUTH_BODY_LIMIT }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new OAuthError('invalid_request', 'The request body is not valid JSON'), undefined);
      }
    });
    oauth.setErrorHandler((error, request, reply) => {
      const oauthError = toOAuthError(error);
      if (oauthError.status >= 500) request.log.error({ err: error }, 'OAuth request failed');
      noStore(reply).code(oauthError.status).headers(oauthError.headers).send(oauthError.body());
    });

    launchApi(oauth, ctx);
    const grants = grantHandlers(jwks);
    introspectionRoute(oauth, ctx, jwks);
    revocationRoute(oauth, ctx, jwks);

    oauth.post('/auth/token', { config: { rateLimit: TOKEN_LIMIT } }, async (request, reply) => {
      const response = await tokenRequest(ctx, jwks, grants, request.headers.authorization, request.body);
      return noStore(reply).send(response);
    });

    // RFC 7591 dynamic registration: open in sandbox mode; in production only with the operator's
    // initial access token (RFC 7591 §3).
    oauth.post('/auth/register', async (request, reply) => {
      const byOperator = operatorAuthorized(ctx, request.headers.authorization);
      if (ctx.mode === 'production' && !byOperator) {
        throw new OAuthError('invalid_token', 'Registration needs an initial access token in production mode', 401, { 'www-authenticate': 'Bearer realm="handover", error="invalid_token"' });
      }
      if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body) || request.body instanceof URLSearchParams) {
        throw new OAuthError('invalid_client_metadata', 'Send the client metadata as a JSON object');
      }
      const registered = await registerClient(ctx.records, request.body as ClientMetadata, {
        mode: ctx.mode, byOperator: byOperator || ctx.mode === 'sandbox', registeredBy: byOperator ? 'operator' : 'dynamic', now: nowMs(ctx),
      });
      ctx.log.info({ clientId: registered.record.clientId, kind: registered.record.kind }, 'client registered');
      return noStore(reply).code(201).send(registrationResponse(registered));
    });
  });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof InvalidClientMetadata) return new OAuthError(error.error, error.message);
  if (error instanceof OutboundRefused) return new OAuthError('invalid_client', error.message, 401);
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return new OAuthError('invalid_request', 'The request body is too large', 413);
  if (status !== undefined && status >= 400 && status < 500) return new OAuthError('invalid_request', (error as Error).message, status);
  return new OAuthError('server_error', 'The authorization server failed; the request changed nothing', 500);
}
