import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry and the instruments every layer may record into. One
 * instance per process, built by http/app.ts and passed down (never prom-client's global
 * registry, so tests can run several servers in one process).
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  resourceWrites: Counter<'type' | 'interaction'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'handover_' });
  return {
    registry,
    httpRequests: new Counter({ name: 'handover_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'handover_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers: [registry],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    resourceWrites: new Counter({ name: 'handover_resource_writes_total', help: 'Resource versions written', labelNames: ['type', 'interaction'], registers: [registry] }),
  };
}
