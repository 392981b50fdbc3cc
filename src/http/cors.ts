import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthRecords } from '../storage/index.js';

/** Registered origins are re-read this often, and on an unknown origin at most once a second. */
const ORIGINS_TTL_MS = 30_000;
const RELOAD_ON_MISS_MS = 1000;
/** Paths a browser app calls cross-origin with its token (discovery answers `*` on its own). */
const CORS_PATHS = /^\/(fhir(\/(?!\.well-known)|$|\?)|auth\/(token|introspect|revoke)(\?|$))/;
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOW_HEADERS = 'authorization, content-type, accept, prefer, if-match, if-none-match, if-none-exist, if-modified-since, x-requested-with';
const EXPOSE_HEADERS = 'location, content-location, etag, last-modified, www-authenticate';
const PREFLIGHT_MAX_AGE = '600';

/**
 * CORS (Fetch standard, "CORS protocol") for the origins of registered apps (their
 * `allowed_origins`, by default the origins of their redirect URIs) on the FHIR API and the token
 * endpoints — never a wildcard there, since those answers carry patient data and tokens. A
 * preflight from an allowed origin is answered here (204), before authentication, since the
 * browser sends it without the token; from any other origin it finds no route (404) and the
 * browser refuses the call.
 *
 * Written here rather than with @fastify/cors: its per-request (delegated) mode rebuilt and merged
 * its whole options object on every request, Origin or not — ~4 % of a FHIR read's CPU — while
 * nearly every request (server-to-server) carries no Origin and needs nothing but `Vary`.
 */
export async function registerCors(app: FastifyInstance, records: AuthRecords): Promise<void> {
  let cached: { origins: Set<string>; loadedAt: number } | undefined;
  const isAllowed = async (origin: string): Promise<boolean> => {
    const age = cached ? Date.now() - cached.loadedAt : Infinity;
    // A just-registered app's origin is a miss in a fresh cache: reload, but not on every stranger.
    if (!cached || age > ORIGINS_TTL_MS || (!cached.origins.has(origin) && age > RELOAD_ON_MISS_MS)) {
      cached = { origins: new Set((await records.listClients()).flatMap((c) => c.allowedOrigins)), loadedAt: Date.now() };
    }
    return cached.origins.has(origin);
  };

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!CORS_PATHS.test(request.url)) return done();
    // The answer depends on Origin whether or not this request has one: caches must key on it.
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return done();
    isAllowed(origin).then((allowed) => {
      if (!allowed) return done();
      reply.header('access-control-allow-origin', origin);
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        reply.header('access-control-allow-methods', ALLOW_METHODS).header('access-control-allow-headers', ALLOW_HEADERS)
          .header('access-control-max-age', PREFLIGHT_MAX_AGE).code(204).send();
        return;
      }
      reply.header('access-control-expose-headers', EXPOSE_HEADERS);
      done();
    }, (error: Error) => done(error));
  });
  // Preflights need a route to reach the hook above; one it did not answer is not found.
  app.options('*', async (_request, reply) => reply.callNotFound());
}
