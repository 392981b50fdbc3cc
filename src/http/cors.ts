import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthRecords } from '../storage/index.js';

/** Registered origins are re-read this often, and on an unknown origin at most once a second. */
const ORIGINS_TTL_MS = 30_000;
const RELOAD_ON_MISS_MS = 1000;
/** Paths a browser app calls cross-origin with its token (discovery answers `*` on its own). */
const CORS_PATHS = /^\/(fhir(\/(?!\.well-known)|$|\?)|auth\/(token|introspect|revoke)(\?|$))/;

/**
 * CORS for the origins of registered apps (their `allowed_origins`, by default the origins of
 * their redirect URIs) on the FHIR API and the token endpoints — never a wildcard there, since
 * those answers carry patient data and tokens. Preflights are answered by @fastify/cors.
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
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request: FastifyRequest, callback) => {
      const origin = request.headers.origin;
      if (!origin || !CORS_PATHS.test(request.url)) {
        callback(null, { origin: false });
        return;
      }
      isAllowed(origin).then((allowed) => callback(null, {
        origin: allowed ? origin : false,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'accept', 'prefer', 'if-match', 'if-none-match', 'if-none-exist', 'if-modified-since', 'x-requested-with'],
        exposedHeaders: ['location', 'content-location', 'etag', 'last-modified', 'www-authenticate'],
        maxAge: 600,
        credentials: false,
      }), (error: Error) => callback(error, { origin: false }));
    },
  });
}
