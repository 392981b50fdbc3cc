/**
 * The subscriptions engine's knobs, with their defaults. The HTTP assembly fills them from the
 * configuration; tests shorten the timings.
 */
export interface EngineOptions {
  /** sandbox: http:// on loopback and 1 s heartbeats; production: https only, no private addresses. */
  mode: 'sandbox' | 'production';
  /** The server's FHIR base (`https://host/fhir`): focus references and `$status` URLs. */
  fhirBase: string;
  /** Shortest heartbeat in production (s); shorter requests are raised and the subscriber told. */
  productionMinHeartbeatSeconds: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxMaxCount: number;
  /** How long a failing subscription is retried before it stays in error (ms): 24 h. */
  retryBudgetMs: number;
  /** First retry delay (ms); doubles per failure, with jitter, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Fallback poll of the change log and of due deliveries (ms), besides the in-process wake-up. */
  pollMs: number;
  /** Delivered events (and attempts) are kept this long for `$events` (ms): 7 days. */
  retentionMs: number;
  pruneEveryMs: number;
  /** How often every subscription's grant is judged, so one that expired on its own shows `off` (ms). */
  grantSweepEveryMs: number;
  /** Subscriptions delivered at once by one process (`deliveryConcurrencyFor`). */
  concurrency: number;
  /** Largest response body read from an endpoint. */
  maxResponseBytes: number;
  /**
   * The longest a backend service's subscription may run (ms): 90 days. Its grant lives only as
   * long as its five-minute token, so `end` is capped by this instead (issue 4 b); the service
   * renews by updating the subscription. It stops earlier if its grant is revoked or its client
   * removed.
   */
  backendMaxLifetimeMs: number;
  /**
   * How long a subscription grant's standing, once read, is trusted by delivery rounds unless this
   * process learns of a revocation (`--token-check-cache-ms`, as bearer tokens; 0: read every time).
   */
  grantTrustMs: number;
}

/**
 * How many subscriptions one process delivers to at once, by engine. A round is mostly waiting on
 * its endpoint, so rounds in flight side by side hide each other's waits — and a few slow or hanging
 * endpoints (each up to its `timeout`) must not hold back everyone else's notifications. On SQLite a
 * round's statements run in-process at once: 64 rounds in flight cut the fan-out bench's
 * notification latency ~4× (p99 415–485 → 153–163 ms, 2,000 creates over 200 subscriptions) at no
 * cost to writes. On PostgreSQL each round's statements take connections from the pool (10 by
 * default) and wake backends: 64 there took writes from ~550 to ~400/s for no gain in latency.
 */
export function deliveryConcurrencyFor(engine: 'sqlite' | 'postgres'): number {
  return engine === 'sqlite' ? 64 : 16;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'mode' | 'fhirBase'> = {
  productionMinHeartbeatSeconds: 60,
  defaultTimeoutSeconds: 10,
  maxTimeoutSeconds: 60,
  maxMaxCount: 100,
  retryBudgetMs: 24 * 60 * 60 * 1000,
  initialBackoffMs: 1000,
  maxBackoffMs: 60 * 60 * 1000,
  pollMs: 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  pruneEveryMs: 10 * 60 * 1000,
  grantSweepEveryMs: 60 * 1000,
  concurrency: 16,
  maxResponseBytes: 64 * 1024,
  backendMaxLifetimeMs: 90 * 24 * 60 * 60 * 1000,
  grantTrustMs: 1000,
};
