import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { authPlugin } from '../auth/index.js';
import { fhirPlugin } from '../fhir/index.js';
import { authContextOf, fhirContextOf, type Services } from './services.js';
import { registerMetrics } from './metrics-endpoint.js';
import { registerCors } from './cors.js';
import { registerWebsocketEndpoint } from './websocket-endpoint.js';

/**
 * Builds the HTTP application without listening (tests inject or listen on port 0). Each surface
 * is a plugin with its own error and not-found handling.
 */
export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config, log } = services;
  const https = config.tlsCert && config.tlsKey
    ? { https: { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } }
    : {};
  const app = Fastify({
    loggerInstance: log,
    // Per-request lines only at debug: at info they would dominate the log under load.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    bodyLimit: config.maxBodyBytes,
    // X-Forwarded-* is only believed when the operator says a proxy sits in front.
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    ...https,
  }) as unknown as FastifyInstance;

  registerMetrics(app, services);
  registerWebsocketEndpoint(app, services);
  await registerCors(app, services.store.auth);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await services.store.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });

  await app.register(authPlugin, { ctx: authContextOf(services) });
  await app.register(fhirPlugin, { prefix: '/fhir', ctx: fhirContextOf(services) });
  return app;
}
