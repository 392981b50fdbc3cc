import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecretBox, SecretBox } from './secret-box.js';

test('seals and opens; every seal differs; another purpose, a changed byte or another key does not open', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));
  const sealed = box.seal('refresh-token-value', 'refresh:g1');
  assert.notEqual(box.seal('refresh-token-value', 'refresh:g1'), sealed, 'fresh nonce each time');
  assert.ok(!sealed.includes('refresh-token-value'));
  assert.equal(box.open(sealed, 'refresh:g1'), 'refresh-token-value');
  assert.throws(() => box.open(sealed, 'refresh:g2'), 'bound to its purpose');
  const parts = sealed.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0] = body[0]! ^ 1;
  assert.throws(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'refresh:g1'), 'tampered');
  assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'refresh:g1'), 'other key');
  assert.throws(() => new SecretBox(Buffer.alloc(16)), /32 bytes/);
});

test('the key comes from the environment, or from a key file made once beside the database (mode 0600)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registry-key-'));
  try {
    const db = join(dir, 'sub', 'registry.db');
    const first = loadSecretBox(db, undefined);
    assert.equal(statSync(`${db}.key`).mode & 0o777, 0o600);
    assert.equal(loadSecretBox(db, undefined).open(first.seal('x', 'a'), 'a'), 'x', 'the same key file is reused');
    const fromEnv = loadSecretBox(db, Buffer.alloc(32, 1).toString('base64'));
    assert.throws(() => fromEnv.open(first.seal('x', 'a'), 'a'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
