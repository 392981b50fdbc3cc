import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { freePort } from '../harness/test-server.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serving TLS itself', () => {
  test('--tls-cert and --tls-key serve HTTPS with the configured https base URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handover-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', String(port), '--db', `sqlite:${join(dir, 'tls.db')}`,
      '--tls-cert', cert, '--tls-key', key, '--base-url', `https://localhost:${port}`, '--sample-data', 'false', '--log-level', 'warn']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const ca = readFileSync(cert);
      let ready = false;
      for (let i = 0; i < 200 && !ready; i++) {
        try {
          ready = (await httpsGet(`https://localhost:${port}/readyz`, ca)).status === 200;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.ok(ready, 'the server answers over TLS');
      const metadata = await httpsGet(`https://localhost:${port}/fhir/metadata`, ca);
      assert.equal(metadata.status, 200);
      assert.equal(JSON.parse(metadata.body).implementation.url, `https://localhost:${port}/fhir`);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'plain HTTP is not served on the TLS port');
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
