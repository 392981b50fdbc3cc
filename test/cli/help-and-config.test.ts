import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPTIONS } from '../../src/config/index.js';
import { runCli, spawnServer } from '../harness/cli.js';
import { freePort } from '../harness/test-server.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('handover CLI', () => {
  test('handover --help lists the commands', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /serve/);
    assert.match(stdout, /seed/);
    assert.match(stdout, /HANDOVER_\*/);
  });

  test('handover --version prints the version of package.json', async () => {
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(stdout.trim(), pkg.version);
  });

  test('handover serve --help documents every option, its default and its variable', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    assert.equal(code, 0);
    const text = stdout.replace(/\s+/g, ' ');
    for (const option of OPTIONS) {
      assert.ok(text.includes(option.flag), `${option.flag} in help`);
      assert.ok(text.includes(option.env), `${option.env} in help`);
      const shown = option.defaultValue !== undefined ? String(option.defaultValue) : option.derivedNote ?? 'none';
      assert.ok(text.includes(`default: ${shown}`), `default of ${option.flag}`);
    }
  });

  test('bad configuration exits 2 with a readable message and starts nothing', async () => {
    const badPort = await runCli(['serve', '--port', 'eighty']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /port must be an integer/);
    const openHost = await runCli(['serve', '--host', '0.0.0.0']);
    assert.equal(openHost.code, 2);
    assert.match(openHost.stderr, /sandbox mode listens on loopback only/);
    const badDb = await runCli(['serve', '--db', 'mysql://x']);
    assert.equal(badDb.code, 2);
    const badEnv = await runCli(['serve'], { HANDOVER_MODE: 'chaos' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /mode must be one of sandbox, production/);
    const noPool = await runCli(['serve', '--pg-pool-size', '0']);
    assert.equal(noPool.code, 2);
    assert.match(noPool.stderr, /pg-pool-size/);
    const noDelivery = await runCli(['serve'], { HANDOVER_DELIVERY_CONCURRENCY: '0' });
    assert.equal(noDelivery.code, 2);
    assert.match(noDelivery.stderr, /delivery-concurrency must be an integer between 1 and 10000, got "0"/);
    const shortKey = await runCli(['serve', '--key-encryption-key', 'c2hvcnQ']);
    assert.equal(shortKey.code, 2);
    assert.match(shortKey.stderr, /key-encryption-key must be 32 random bytes/);
    const plainHttp = await runCli(['serve', '--mode', 'production', '--host', '0.0.0.0', '--base-url', 'http://ehr.example.org']);
    assert.equal(plainHttp.code, 2);
    assert.match(plainHttp.stderr, /https/);
  });

  test('environment variables configure the server and flags win over them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handover-cli-'));
    const envPort = await freePort();
    const flagPort = await freePort();
    const server = await spawnServer(['--port', String(flagPort), '--sample-data', 'false'], {
      HANDOVER_PORT: String(envPort), HANDOVER_DB: `sqlite:${join(dir, 'env.db')}`, HANDOVER_BASE_URL: 'http://ehr.test:9999',
    });
    try {
      const created = await server.fetch(`${server.url}/fhir/Basic`, {
        method: 'POST', headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Basic', code: { text: 'x' } }),
      });
      assert.equal(created.status, 201);
      assert.match(created.headers.get('location') ?? '', /^http:\/\/ehr\.test:9999\/fhir\/Basic\//);
      await assert.rejects(fetch(`http://127.0.0.1:${envPort}/healthz`));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
