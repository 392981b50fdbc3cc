import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Secrets at rest (refresh tokens, the client secret, channel header secrets): AES-256-GCM with a
 * fresh 96-bit nonce per value; stored as `v1.<nonce>.<tag>.<ciphertext>` (base64url). The
 * purpose (`aad`) is bound in, so a value copied into another column does not decrypt.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the registry key must be 32 bytes');
  }

  seal(plain: string, aad: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce).setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', nonce, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string, aad: string): string {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== 'v1' || !nonce || !tag || body === undefined) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url')).setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The key: HANDOVER_REGISTRY_KEY (base64 of 32 bytes) when given — e.g. from a secret manager —
 * else `<db>.key` beside the database, created once with mode 0600. Keep the key file out of
 * the database's backups, or the encryption protects nothing.
 */
export function loadSecretBox(dbFile: string, keyFromEnv: string | undefined): SecretBox {
  if (keyFromEnv) return new SecretBox(Buffer.from(keyFromEnv, 'base64'));
  const keyFile = `${dbFile}.key`;
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return new SecretBox(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
}
