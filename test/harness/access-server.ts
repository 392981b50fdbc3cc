import Fastify, { type FastifyInstance } from 'fastify';
import { after, before, describe } from 'node:test';
import { Unauthenticated, type AccessContext, type Caller } from '../../src/access/index.js';
import { createLogger, createMetrics, systemClock } from '../../src/base/index.js';
import { fhirPlugin, NO_EXTENSIONS, type FhirContext } from '../../src/fhir/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, testEngines, type TestEngine } from './engines.js';
import { freePort } from './test-server.js';

/**
 * The real FHIR plugin over a real store, with `authenticate` supplied by the test: the bearer
 * token is just a name looked up in `callers`, so a suite can put any constructed AccessContext
 * (a patient/ token with a launch patient, a practitioner, a backend service) behind it without
 * running an OAuth flow. Token verification itself is tested with the SMART server's suites.
 */
export interface AccessServer {
  engine: TestEngine;
  url: string;
  fhirBase: string;
  store: Store;
  /** `Bearer <name>` for a caller of `callers`. */
  as(name: string): { authorization: string };
  close(): Promise<void>;
}

export type CallerTable = Record<string, Omit<Caller, 'grantId' | 'clientId' | 'tokenId'> | 'open'>;

export async function startAccessServer(engine: TestEngine, callers: CallerTable): Promise<AccessServer> {
  const created = await createTestDatabase(engine);
  const store = openStore(created.url, { sqliteSynchronous: 'normal' });
  await store.migrate();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fhirBase = `${url}/fhir`;
  const ctx: FhirContext = {
    store, clock: systemClock, log: createLogger('silent'), metrics: createMetrics(), mode: 'sandbox', fhirBase, maxBundleEntries: 1000,
    authenticate: async (authorization) => authenticateAs(callers, authorization), extensions: NO_EXTENSIONS,
  };
  const app: FastifyInstance = Fastify();
  await app.register(fhirPlugin, { prefix: '/fhir', ctx });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    engine, url, fhirBase, store,
    as: (name) => ({ authorization: `Bearer ${name}` }),
    close: async () => {
      await app.close();
      await store.close();
      await created.drop();
    },
  };
}

function authenticateAs(callers: CallerTable, authorization: string | undefined): AccessContext {
  if (!authorization) throw new Unauthenticated('This request needs a bearer token');
  const name = /^Bearer (.+)$/.exec(authorization)?.[1] ?? '';
  const entry = callers[name];
  if (entry === undefined) throw new Unauthenticated('The access token is not valid', 'invalid_token');
  if (entry === 'open') return { open: true };
  return { open: false, caller: { grantId: `grant-${name}`, clientId: `client-${name}`, tokenId: `jti-${name}`, ...entry } };
}

/** Runs `suite` once per engine with an access server started before and closed after. */
export function describeEachEngineWithCallers(name: string, callers: CallerTable, suite: (get: () => AccessServer) => void): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let server: AccessServer | undefined;
      before(async () => {
        server = await startAccessServer(engine, callers);
      });
      after(async () => {
        await server?.close();
      });
      suite(() => {
        if (!server) throw new Error('access server not started');
        return server;
      });
    });
  }
}
