import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { exportJWK, generateKeyPair } from 'jose';
import { freePort } from '../harness/test-server.js';
import { runCli, spawnServer, type ServerProcess } from '../harness/cli.js';

/**
 * The operator's CLI: `client add` pre-authorizes a backend service (system/ scopes, which open
 * registration refuses in production), `user add` creates a person who can sign in; a production
 * server then serves them — the token obtained with oauth4webapi's private_key_jwt.
 */
describe('handover client add / user add', () => {
  const dir = mkdtempSync(join(tmpdir(), 'handover-cli-'));
  const db = `sqlite:${join(dir, 'h.db')}`;
  let server: ServerProcess | undefined;
  after(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let clientId: string;
  before(async () => {
    keys = await generateKeyPair('RS384', { extractable: true });
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS384' }] }));
  });

  it('registers a backend service with system/ scopes in production mode', async () => {
    const result = await runCli(['client', 'add', '--name', 'Registry sync', '--type', 'backend', '--scope', 'system/Patient.rs system/Condition.rs',
      '--jwks-file', join(dir, 'jwks.json'), '--db', db, '--mode', 'production']);
    assert.equal(result.code, 0, result.stderr);
    const registered = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(registered.token_endpoint_auth_method, 'private_key_jwt');
    assert.deepEqual(registered.grant_types, ['client_credentials']);
    assert.equal(registered.scope, 'system/Patient.rs system/Condition.rs');
    assert.equal(registered.client_secret, undefined);
    clientId = String(registered.client_id);
  });

  it('adds a user from HANDOVER_USER_PASSWORD and refuses a duplicate or a missing password', async () => {
    const args = ['user', 'add', '--username', 'nurse.kim', '--fhir-user', 'Practitioner/n1', '--display-name', 'Kim', '--db', db];
    const added = await runCli(args, { HANDOVER_USER_PASSWORD: 'a-long-password' });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added user nurse\.kim/);
    const again = await runCli(args, { HANDOVER_USER_PASSWORD: 'a-long-password' });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal((await runCli(args)).code, 2);
  });

  it('the production server issues that service a token through client_credentials (oauth4webapi, private_key_jwt)', async () => {
    const port = await freePort();
    server = await spawnServer(['--port', String(port), '--db', db, '--mode', 'production', '--base-url', `http://127.0.0.1:${port}`]);
    const issuer = new URL(`http://127.0.0.1:${port}/fhir`);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }));
    const client: oauth.Client = { client_id: clientId };
    // SMART Backend Services wants aud = the token URL (oauth4webapi defaults to the issuer).
    const auth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'k1' }, { [oauth.modifyAssertion]: (_header, payload) => { payload.aud = as.token_endpoint; } });
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: "system/Patient.rs system/Observation.rs" }), options);
    if (response.status !== 200) assert.fail(await response.clone().text());
    const tokens = await oauth.processClientCredentialsResponse(as, client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'system/Patient.rs system/Observation.rs' }), options));
    assert.equal(tokens.scope, 'system/Patient.rs', 'only what the operator pre-authorized');
    assert.ok(tokens.expires_in! <= 300);
    assert.equal(tokens.refresh_token, undefined);
    const open = await fetch(`http://127.0.0.1:${port}/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://x.example/jwks', scope: 'system/*.rs' }),
    });
    assert.equal(open.status, 401, 'production mode has no open registration');
  });
});
