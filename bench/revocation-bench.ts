/**
 * How long a revocation takes to take effect (issue 5: target ≤ 1 s), measured the way an outside
 * party sees it: a patient's offline grant with a live subscription is revoked through RFC 7009
 * (its refresh token) at one server process, then
 * - the same process and, on PostgreSQL, a second process serving the same database behind the
 *   same base URL are asked with the grant's access token every 5 ms until they answer 401
 *   (the second one had just accepted the token, so its liveness cache is warm: the worst case);
 * - the subscription's record is read until its status is `off` (through the store: after the
 *   revocation nobody may read it through the API — it was the grant's);
 * - a change the subscription would have matched is written right after the revocation, and the
 *   receiver is watched for a second: any notification that arrives is counted (must be 0).
 * Times are from the revocation request being sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as oauth from 'oauth4webapi';
import { createUser } from '../src/auth/index.js';
import { http, patientBody } from '../test/harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../test/harness/smart-flow.js';
import { freePort, startTestServer } from '../test/harness/test-server.js';
import { condition, subscription } from '../test/subscriptions/engine-harness.js';
import { Receiver } from '../test/subscriptions/receiver.js';

export interface RevocationRow {
  engine: string;
  where: string;
  samples: number;
  p50: number;
  max: number;
  /** Notifications that reached the receiver after the revocation (must be 0). */
  leaked: number;
}

const SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Condition.rs patient/Subscription.cruds';
const POLL_MS = 5;

export async function benchRevocation(options: { engine: 'sqlite' | 'postgres'; rounds: number; log: (line: string) => void }): Promise<RevocationRow[]> {
  const { engine, rounds, log } = options;
  const server = await startTestServer(engine);
  const second = engine === 'postgres' ? await startSecondProcess(server.dbUrl, server.url) : undefined;
  const receivers: Receiver[] = [];
  try {
    const patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Revoked'))).body.id as string;
    await createUser(server.server.services.store.auth, { username: 'bench-pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Bench Patient' }, Date.now());
    const flow = await SmartFlow.register(server, { name: 'Revocation bench app' });
    const times: Record<string, number[]> = { 'same process refuses the token': [], 'subscription off': [] };
    if (second) times['other process refuses the token'] = [];
    let leaked = 0;
    for (let round = 0; round < rounds; round++) {
      const tokens = await flow.tokens(SCOPE, ['bench-pat', 'patient-pass1']);
      // One receiver per round: whatever reaches it belongs to this round's subscription.
      const receiver = new Receiver();
      receivers.push(receiver);
      const endpoint = await receiver.start();
      const as = { authorization: `Bearer ${tokens.access_token}` };
      const created = await http('POST', `${server.fhirBase}/Subscription`, subscription(endpoint, `Condition?patient=Patient/${patientId}`), as);
      if (created.status !== 201) throw new Error(`subscription refused: ${created.text}`);
      const subscriptionId = created.body.id as string;
      await receiver.until(() => receiver.of('handshake').length > 0);
      // Warm the other process's cache with the token it will have to refuse.
      if (second && (await http('GET', `${second.fhirBase}/Patient/${patientId}`, undefined, as)).status !== 200) throw new Error('the second process refused a live token');
      const before = receiver.received.length;

      const start = performance.now();
      const revoked = oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE);
      const waits = [
        refusedAfter(`${server.fhirBase}/Patient/${patientId}`, as, start).then((ms) => times['same process refuses the token']!.push(ms)),
        ...(second ? [refusedAfter(`${second.fhirBase}/Patient/${patientId}`, as, start).then((ms) => times['other process refuses the token']!.push(ms))] : []),
        offAfter(() => server.server.services.store.subscriptions.getSubscription(subscriptionId), start).then((ms) => times['subscription off']!.push(ms)),
      ];
      await oauth.processRevocationResponse(await revoked);
      await http('PUT', `${server.fhirBase}/Condition/revoked-${round}`, condition(`revoked-${round}`, patientId, 'problem-list-item'));
      await Promise.all(waits);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      leaked += receiver.received.slice(before).filter((r) => r.type === 'event-notification').length;
      log(`  round ${round + 1}/${rounds}: ${Object.entries(times).map(([k, v]) => `${k} ${v[v.length - 1]!.toFixed(0)} ms`).join(', ')}`);
    }
    return Object.entries(times).map(([where, samples]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      return { engine, where, samples: sorted.length, p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]!, leaked };
    });
  } finally {
    for (const receiver of receivers) await receiver.stop();
    second?.child.kill('SIGTERM');
    if (second) await new Promise((resolve) => second.child.once('exit', resolve));
    await server.close();
  }
}

export function revocationTable(rows: RevocationRow[]): string {
  return ['| engine | after the revocation | rounds | p50 ms | max ms | notifications after it |', '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.engine} | ${r.where} | ${r.samples} | ${r.p50.toFixed(0)} | ${r.max.toFixed(0)} | ${r.leaked} |`)].join('\n') + '\n';
}

async function refusedAfter(url: string, headers: Record<string, string>, start: number): Promise<number> {
  for (;;) {
    if ((await fetch(url, { headers })).status === 401) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Read from the store: after the revocation nobody may read the subscription through the API (it was the grant's). */
async function offAfter(read: () => Promise<{ status: string } | undefined>, start: number): Promise<number> {
  for (;;) {
    if ((await read())?.status === 'off') return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Another server process on the same PostgreSQL database, published under the first one's base URL
 * (as behind a load balancer). Not test/harness/cli.ts `spawnServer`: that module registers a
 * node:test hook at import, which turns the bench run into a (empty) test run.
 */
async function startSecondProcess(dbUrl: string, baseUrl: string): Promise<{ child: ChildProcess; fhirBase: string }> {
  const port = await freePort();
  const entry = existsSync('dist/src/cli/main.js') ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  const child = spawn(process.execPath, [...entry, 'serve', '--port', String(port), '--db', dbUrl, '--base-url', baseUrl, '--log-level', 'warn', '--sample-data', 'false'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const reach = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${reach}/readyz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 300) throw new Error('the second server process did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, fhirBase: `${reach}/fhir` };
}
