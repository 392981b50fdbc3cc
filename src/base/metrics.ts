import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the subscriptions gauges show, read from storage at each scrape. */
export interface SubscriptionBacklog {
  /** Events recorded and still owed to an endpoint (subscriptions not `off`). */
  undeliveredEvents: number;
  subscriptionsByStatus: Record<string, number>;
}

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
  /** Event notifications sent (`outcome`: delivered = 2xx, failed otherwise). */
  subscriptionDeliveries: Counter<'channel' | 'outcome'>;
  subscriptionHandshakes: Counter<'channel' | 'outcome'>;
  subscriptionHeartbeats: Counter<'channel' | 'outcome'>;
  /** Attempts that follow a failed one (back-off retries). */
  subscriptionRetries: Counter<'channel'>;
  subscriptionEventsRecorded: Counter;
  /** From the change's commit (its `lastUpdated`) to the endpoint's 2xx, per event. */
  subscriptionDeliveryLatency: Histogram<'channel'>;
  /** From a change's commit to the matcher having recorded its events, per change read. */
  subscriptionMatcherLag: Histogram;
  /** Where the queue-depth and by-status gauges read from; set by the subscriptions engine. */
  subscriptionBacklog: { source: (() => Promise<SubscriptionBacklog>) | undefined };
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const STATUSES = ['requested', 'active', 'error', 'off'];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'handover_' });
  const registers = [registry];
  const backlog: Metrics['subscriptionBacklog'] = { source: undefined };
  // One storage read per scrape serves both gauges (the first collect starts it, the second reuses it).
  let reading: Promise<SubscriptionBacklog | undefined> | undefined;
  const read = () => {
    // A failed read leaves the gauges out of this scrape rather than failing the whole scrape.
    reading ??= (backlog.source?.() ?? Promise.resolve(undefined)).catch(() => undefined)
      .finally(() => setImmediate(() => { reading = undefined; }));
    return reading;
  };
  registerBacklogGauges(registers, read);
  return {
    registry,
    httpRequests: new Counter({ name: 'handover_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'handover_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    resourceWrites: new Counter({ name: 'handover_resource_writes_total', help: 'Resource versions written', labelNames: ['type', 'interaction'], registers }),
    subscriptionDeliveries: new Counter({ name: 'handover_subscription_deliveries_total', help: 'Event notifications sent, by channel and outcome (delivered = 2xx)', labelNames: ['channel', 'outcome'], registers }),
    subscriptionHandshakes: new Counter({ name: 'handover_subscription_handshakes_total', help: 'Handshakes sent, by channel and outcome', labelNames: ['channel', 'outcome'], registers }),
    subscriptionHeartbeats: new Counter({ name: 'handover_subscription_heartbeats_total', help: 'Heartbeats sent, by channel and outcome', labelNames: ['channel', 'outcome'], registers }),
    subscriptionRetries: new Counter({ name: 'handover_subscription_retries_total', help: 'Delivery attempts that follow a failed attempt', labelNames: ['channel'], registers }),
    subscriptionEventsRecorded: new Counter({ name: 'handover_subscription_events_recorded_total', help: 'Numbered subscription events recorded by the matcher', registers }),
    subscriptionDeliveryLatency: new Histogram({
      name: 'handover_subscription_delivery_latency_seconds', help: 'From the commit of a change to the endpoint\'s 2xx for its event', labelNames: ['channel'],
      registers, buckets: LATENCY_BUCKETS,
    }),
    subscriptionMatcherLag: new Histogram({
      name: 'handover_subscription_matcher_lag_seconds', help: 'From the commit of a change to the matcher having recorded its events', registers, buckets: LATENCY_BUCKETS,
    }),
    subscriptionBacklog: backlog,
  };
}

function registerBacklogGauges(registers: Registry[], read: () => Promise<SubscriptionBacklog | undefined>): void {
  new Gauge({
    name: 'handover_subscription_queue_depth', help: 'Subscription events recorded and not yet delivered (subscriptions not off; the database, not this process)', registers,
    async collect() {
      const backlog = await read();
      if (backlog) this.set(backlog.undeliveredEvents);
    },
  });
  new Gauge({
    name: 'handover_subscriptions', help: 'Subscriptions by status (the database, not this process)', labelNames: ['status'], registers,
    async collect() {
      const backlog = await read();
      if (!backlog) return;
      for (const status of new Set([...STATUSES, ...Object.keys(backlog.subscriptionsByStatus)])) this.set({ status }, backlog.subscriptionsByStatus[status] ?? 0);
    },
  });
}
