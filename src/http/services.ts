import { OPEN_ACCESS } from '../access/index.js';
import { createLogger, createMetrics, systemClock, type Clock, type Logger, type Metrics } from '../base/index.js';
import type { Config } from '../config/index.js';
import type { FhirContext } from '../fhir/index.js';
import { openStore, type Store } from '../storage/index.js';

/** Everything long-lived, built once per process and passed down; no module singletons. */
export interface Services {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

/** Opens the store (not yet migrated) and builds the rest. */
export function createServices(config: Config, overrides: { clock?: Clock } = {}): Services {
  return {
    config,
    store: openStore(config.db, { sqliteSynchronous: config.sqliteSynchronous }),
    clock: overrides.clock ?? systemClock,
    log: createLogger(config.logLevel),
    metrics: createMetrics(),
  };
}

export function fhirContextOf(services: Services): FhirContext {
  const { store, clock, log, metrics, config } = services;
  return { store, clock, log, metrics, mode: config.mode, fhirBase: `${config.baseUrl}/fhir`, maxBundleEntries: config.maxBundleEntries,
    // Replaced by token verification when the authorization server lands (issue 3).
    authenticate: async () => OPEN_ACCESS };
}
