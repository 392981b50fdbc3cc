import { CompactEncrypt, compactDecrypt } from 'jose';

/** A private key could not be read at start: encrypted without the key given, or with another one. */
export class SigningKeysUnreadable extends Error {}

/**
 * Seals the server's private signing keys at rest with the operator's key-encryption key
 * (`--key-encryption-key`): an RFC 7516 compact JWE, `dir` with A256GCM, through jose. Without
 * that key the JWK is stored as it is (sandbox; production warns at start). A key stored in clear
 * still opens when a key-encryption key is set — SigningKeys then replaces it at once.
 */
export class KeySealer {
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(private readonly key: Uint8Array | undefined) {
    if (key !== undefined && key.length !== 32) throw new Error('a key-encryption key is 32 bytes');
  }

  /** Whether new keys are sealed (a key-encryption key is set). */
  get seals(): boolean {
    return this.key !== undefined;
  }

  async seal(jwkJson: string): Promise<string> {
    if (this.key === undefined) return jwkJson;
    return new CompactEncrypt(this.encoder.encode(jwkJson)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' }).encrypt(this.key);
  }

  async open(stored: string): Promise<string> {
    if (!isSealed(stored)) return stored;
    if (this.key === undefined) {
      throw new SigningKeysUnreadable('the signing keys in this database are encrypted: start with the --key-encryption-key (HANDOVER_KEY_ENCRYPTION_KEY) they were sealed with');
    }
    try {
      return this.decoder.decode((await compactDecrypt(stored, this.key)).plaintext);
    } catch {
      throw new SigningKeysUnreadable('the signing keys in this database do not open with this --key-encryption-key (HANDOVER_KEY_ENCRYPTION_KEY)');
    }
  }
}

/** A stored private key is sealed when it is not a JSON object (a compact JWE is five base64url parts). */
export function isSealed(stored: string): boolean {
  return !stored.trimStart().startsWith('{');
}
