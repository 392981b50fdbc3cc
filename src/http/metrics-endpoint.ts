import type { FastifyInstance } from 'fastify';
import type { Services } from './services.js';

/**
 * `/metrics` in the Prometheus text format, and the hooks that count and time every request.
 * The route label is the FHIR interaction's first path segment (the resource type), never the
 * raw URL, so label cardinality stays bounded.
 */
export function registerMetrics(app: FastifyInstance, services: Services): void {
  const { metrics } = services;
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request.url);
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

function routeLabel(url: string): string {
  const path = url.split('?')[0]!;
  const match = /^\/fhir\/?([A-Za-z$_][A-Za-z]*)?/.exec(path);
  if (match) return match[1] ? `/fhir/${/^[A-Z]/.test(match[1]) ? ':type' : match[1]}` : '/fhir';
  return ['/healthz', '/readyz', '/metrics'].includes(path) ? path : 'other';
}
