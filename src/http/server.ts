import type { FastifyInstance } from 'fastify';
import type { Clock } from '../base/index.js';
import type { Config } from '../config/index.js';
import { addSampleUsers } from '../auth/index.js';
import { loadResources } from '../fhir/index.js';
import { sampleDataSet, warmR4Definitions, type Resource } from '../model/index.js';
import { buildApp } from './app.js';
import { createServices, fhirContextOf, type Services } from './services.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  /** The address actually bound (port 0 picks one). */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the store, applies migrations, loads the sample data into an empty sandbox database,
 * and listens. close() stops accepting, lets in-flight requests finish, then closes the store.
 */
export async function startServer(config: Config, overrides: { clock?: Clock } = {}): Promise<RunningServer> {
  warmR4Definitions();
  const services: Services = createServices(config, overrides);
  const { store, log } = services;
  try {
    await store.claimServing();
  } catch (error) {
    await store.close();
    throw error;
  }
  await store.migrate();
  // Creates the first signing key, or rotates an old one, before any token is asked for.
  try {
    await services.keys.load();
  } catch (error) {
    await store.close();
    throw error;
  }
  if (config.mode === 'production' && config.keyEncryptionKey === undefined) {
    log.warn('the private signing keys are stored in clear in the database: set --key-encryption-key (HANDOVER_KEY_ENCRYPTION_KEY) to seal them');
  }
  const app = await buildApp(services);
  if (config.mode === 'sandbox' && config.sampleData && (await store.isEmpty())) {
    const resources = sampleDataSet();
    await loadResources(fhirContextOf(services), resources);
    log.info({ resources: resources.length }, 'loaded the sample data set into the empty database');
  }
  if (config.mode === 'sandbox' && config.sampleData) {
    const added = await addSampleUsers(store.auth, services.clock.now().getTime());
    if (added > 0) log.info({ users: added }, 'added the sample users (see the README)');
  }
  await loadMissing(fhirContextOf(services), services.subscriptions.topicResources());
  services.subscriptions.start();
  services.disclosures.start();
  services.consent.reconcile()
    .then((fixed) => { if (fixed > 0) log.warn({ fixed }, 'grants and Consents brought back in step after a restart'); })
    .catch((error: unknown) => log.error({ err: error }, 'reconciling grants and Consents failed'));
  services.invitations.reconcile()
    .then((fixed) => { if (fixed > 0) log.warn({ fixed }, 'invitations answered just before a crash brought back in step'); })
    .catch((error: unknown) => log.error({ err: error }, 'reconciling answered invitations failed'));
  const address = await app.listen({ port: config.port, host: config.host });
  log.info({ address, baseUrl: config.baseUrl, mode: config.mode, db: redact(config.db) }, 'Handover is listening');
  // Expired codes, launches, sessions and jti records are useless after expiry; keep the tables small.
  const pruning = setInterval(() => {
    store.auth.pruneExpired(services.clock.now().getTime())
      .then((removed) => { if (removed > 0) log.debug({ removed }, 'pruned expired authorization records'); })
      .catch((error: unknown) => log.warn({ err: error }, 'pruning expired authorization records failed'));
  }, PRUNE_EVERY_MS);
  pruning.unref();
  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    url: address,
    close: () => {
      closing ??= (async () => {
        clearInterval(pruning);
        // A client's kept-alive connection would hold the close for as long as it is kept (Fastify
        // advertises 72 s, and clients honour it): once its request in flight is answered it is
        // idle, and closed here, so SIGTERM exits when the work is done, not a minute later.
        const closingApp = app.close();
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await closingApp;
        } finally {
          clearInterval(sweep);
        }
        // Rounds in flight finish; undelivered events stay recorded for the next start.
        await services.subscriptions.stop();
        // Disclosures recorded so far become AuditEvents before the store closes.
        await services.disclosures.stop();
        // Invitation emails in flight are sent (or recorded as failed) before the store closes.
        await services.invitations.stop();
        await store.close();
      })();
      return closing;
    },
  };
}

function redact(db: string): string {
  return db.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** The subscription topics are readable as Basic resources (Backport IG 1.2); written once, kept if present. */
async function loadMissing(ctx: ReturnType<typeof fhirContextOf>, resources: Resource[]): Promise<void> {
  const missing = [];
  for (const resource of resources) if (!(await ctx.store.readCurrent(resource.resourceType, resource.id!))?.json) missing.push(resource);
  if (missing.length > 0) await loadResources(ctx, missing);
}
