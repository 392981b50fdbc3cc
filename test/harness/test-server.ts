import { createServer } from 'node:net';
import { after, before, describe } from 'node:test';
import type { Clock } from '../../src/base/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/http/index.js';
import { backendTokenSource, forgetTokenFor, useTokenFor, type TokenSource } from './backend-token.js';
import { createTestDatabase, testEngines, type TestEngine } from './engines.js';

/**
 * Starts the real server on port 0 over a fresh database (a temp SQLite file or a new PostgreSQL
 * database) and hands out its URLs. Nothing is mocked: tests talk HTTP to it.
 */
export interface TestServer {
  engine: TestEngine;
  url: string;
  fhirBase: string;
  dbUrl: string;
  server: RunningServer;
  /** A backend-services token source with `system/*.cruds`; `http()` sends its token by default. */
  tokens: TokenSource;
  close(): Promise<void>;
}

export async function startTestServer(engine: TestEngine, overrides: Partial<Record<keyof Config, string>> = {}, clock?: Clock): Promise<TestServer> {
  const created = await createTestDatabase(engine);
  const dbUrl = created.url;
  const cleanup = created.drop;
  const port = await freePort();
  const config = loadConfig({
    port: String(port), db: dbUrl, logLevel: process.env.HANDOVER_TEST_LOG_LEVEL ?? 'silent', sampleData: 'false', ...overrides,
  }, {});
  const server = await startServer(config, clock ? { clock } : {});
  const url = `http://localhost:${port}`;
  const tokens = await backendTokenSource(url, 'system/*.cruds', config.operatorToken);
  useTokenFor(url, tokens);
  return {
    engine,
    url,
    fhirBase: `${config.baseUrl}/fhir`,
    dbUrl,
    server,
    tokens,
    close: async () => {
      forgetTokenFor(url);
      await server.close();
      await cleanup();
    },
  };
}

/**
 * Runs `suite` once per engine with a server started before and closed after.
 * `get()` returns the running server inside tests.
 */
export function describeEachEngine(name: string, suite: (get: () => TestServer) => void, overrides: Partial<Record<keyof Config, string>> = {}): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startTestServer(engine, overrides);
      });
      after(async () => {
        await server?.close();
      });
      suite(() => {
        if (!server) throw new Error('test server not started');
        return server;
      });
    });
  }
}

/** A port free right now, so the base URL (and every Location header) is known before start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
