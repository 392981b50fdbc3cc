import { createAuthenticator, KeySealer, SigningKeys } from '../access/index.js';
import type { AuthContext } from '../auth/index.js';
import { createLogger, createMetrics, smtpMailer, systemClock, type Clock, type Logger, type Metrics } from '../base/index.js';
import type { Config } from '../config/index.js';
import type { FhirContext } from '../fhir/index.js';
import { openStore, type Store, type StoreTransaction } from '../storage/index.js';
import { createSubscriptionEngine, deliveryConcurrencyFor, detachedJwsSigner, WebsocketChannel, type SubscriptionEngine } from '../subscriptions/index.js';
import { withRevocationHook } from './grant-revocation-hook.js';
import { subscriptionExtensions } from './subscription-extensions.js';
import { ConsentService, DisclosureLog, Invitations, ReviewQueue } from '../consent/index.js';
import { loadResources, writeResourcesIn } from '../fhir/index.js';
import type { Resource } from '../model/index.js';
import { consentExtensions, consentPort, mergeExtensions, recordsEndingConsents } from './consent-wiring.js';
import { consentPortInviting, handoverPort } from './handover-wiring.js';
import { reviewPort, wakeDecided } from './review-wiring.js';

/** Everything long-lived, built once per process and passed down; no module singletons. */
export interface Services {
  config: Config;
  store: Store;
  keys: SigningKeys;
  subscriptions: SubscriptionEngine;
  /** Consent as data and the revocation cascade (issue 5). */
  consent: ConsentService;
  /** The disclosure log: durable records, materialized as AuditEvents in batches. */
  disclosures: DisclosureLog;
  /** The subscriptions websocket channel: binding tokens and sockets at `websocketUrlOf(config)`. */
  websockets: WebsocketChannel;
  /** The handover's invitations (issue 5 b). */
  invitations: Invitations;
  /** Review before sending: the clinician's queue (issue 5 c). */
  review: ReviewQueue;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

/** Opens the store (not yet migrated) and builds the rest. */
export function createServices(config: Config, overrides: { clock?: Clock } = {}): Services {
  const store = openStore(config.db, { sqliteSynchronous: config.sqliteSynchronous, poolSize: config.pgPoolSize, preparedStatements: config.pgPreparedStatements });
  const clock = overrides.clock ?? systemClock;
  const log = createLogger(config.logLevel);
  const fhirBase = fhirBaseOf(config);
  const keys = new SigningKeys(store.auth, clock, new KeySealer(config.keyEncryptionKey === undefined ? undefined : Buffer.from(config.keyEncryptionKey, 'base64url')));
  const metrics = createMetrics();
  // Consent, Provenance, Device and AuditEvent resources go through the one write path.
  let writeContext: FhirContext | undefined;
  const writeResources = (resources: Resource[], tx?: StoreTransaction) =>
    tx ? writeResourcesIn(writeContext ??= fhirContextOf(services), tx, resources) : loadResources(writeContext ??= fhirContextOf(services), resources);
  const disclosures = new DisclosureLog({ store, clock, log, fhirBase, writeResources });
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : undefined;
  const subscriptions = createSubscriptionEngine({ store, clock, log, options: { mode: config.mode, fhirBase, grantTrustMs: config.tokenCheckCacheMs,
    concurrency: config.deliveryConcurrency ?? deliveryConcurrencyFor(store.engine) }, sign: detachedJwsSigner(keys), metrics,
    onDisclosed: (sent) => disclosures.notificationRecord(sent) });
  // Every commit that wrote resources, whatever wrote it, wakes the matcher (the FHIR API's also through afterCommit).
  store.onVersionsCommitted(() => subscriptions.notifyCommitted());
  // Revocations from the portal, the Consent API and a declined invitation stop subscriptions at once, as RFC 7009's do.
  const consent = new ConsentService({ store, clock, log, fhirBase, writeResources, onGrantsRevoked: (grantIds) => subscriptions.onGrantsEnded(grantIds) });
  const services: Services = {
    config,
    store,
    keys,
    subscriptions,
    websockets: new WebsocketChannel({ engine: subscriptions, store, keys, clock, log, fhirBase,
      websocketUrl: websocketUrlOf(config), tokenSeconds: config.wsTokenSeconds }),
    consent,
    disclosures,
    invitations: new Invitations({ store, clock, log, baseUrl: config.baseUrl, invitationDays: config.invitationDays, mailer,
      logLinks: config.mode === 'sandbox', consent, writeResources }),
    review: new ReviewQueue({ store, clock, log, fhirBase, writeResources, onDecided: wakeDecided(subscriptions) }),
    clock,
    log,
    metrics,
  };
  return services;
}

export const fhirBaseOf = (config: Config): string => `${config.baseUrl}/fhir`;
/** Where websocket subscribers connect (Backport IG `websocket-url`): ws(s):// on the FHIR base. */
export const websocketUrlOf = (config: Config): string => `${fhirBaseOf(config).replace(/^http/, 'ws')}/ws`;

export function fhirContextOf(services: Services): FhirContext {
  const { store, clock, log, metrics, config, keys } = services;
  const fhirBase = fhirBaseOf(config);
  return {
    store, clock, log, metrics, mode: config.mode, fhirBase, maxBundleEntries: config.maxBundleEntries,
    authenticate: createAuthenticator({ records: store.auth, keys, clock, issuer: fhirBase, audience: fhirBase, open: config.open, livenessCacheMs: config.tokenCheckCacheMs,
      review: store.review }),
    extensions: mergeExtensions(subscriptionExtensions(services.subscriptions, services.websockets), consentExtensions(services.consent, services.disclosures)),
  };
}

export function authContextOf(services: Services): AuthContext {
  const { store, clock, log, metrics, config, keys } = services;
  const consent = consentPort(services.consent, services.disclosures, store, fhirBaseOf(config));
  return {
    store, records: recordsEndingConsents(withRevocationHook(store.auth, (grantIds) => services.subscriptions.onGrantsEnded(grantIds)), services.consent, log),
    keys, clock, log, metrics, mode: config.mode, baseUrl: config.baseUrl,
    fhirBase: fhirBaseOf(config), offlineDays: config.offlineDays, offlineMaxDays: config.offlineMaxDays, refreshGraceSeconds: config.refreshGraceSeconds,
    operatorToken: config.operatorToken, consent: consentPortInviting(consent, services.invitations), handover: handoverPort(services.invitations, consent, store),
    review: reviewPort(services.review),
  };
}
