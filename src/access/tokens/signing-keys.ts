import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import type { Clock } from '../../base/index.js';
import type { AuthRecords, SigningKeyRecord } from '../../storage/index.js';
import { isSealed, KeySealer } from './key-sealer.js';

/** Access and id tokens are RS256: what every OpenID Connect relying party must accept. */
export const TOKEN_ALG = 'RS256';
/**
 * Notification signatures are ES256: a P-256 signature costs ~150 µs of CPU against ~360 µs for
 * RS256-2048 (measured through jose on this machine), paid once per rest-hook notification, and
 * every JOSE library verifies it. Tokens keep RS256 for OpenID Connect relying parties.
 */
export const NOTIFICATION_ALG = 'ES256';
/** Each algorithm has its own key, rotated on its own; all are published at `jwks_uri`. */
export type SigningAlg = typeof TOKEN_ALG | typeof NOTIFICATION_ALG;
const SIGNING_ALGS: readonly SigningAlg[] = [TOKEN_ALG, NOTIFICATION_ALG];
/** A signing key signs this long before a fresh one takes over. */
const ROTATE_AFTER_MS = 30 * 24 * 3600 * 1000;
/** No token we sign lives longer than this, so a retired key verifies this long after retiring. */
export const LONGEST_TOKEN_MS = 3600 * 1000;
/** Another process may have rotated: look for new keys at most this often when a kid is unknown. */
const RELOAD_EVERY_MS = 5000;

interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * The server's signing keys, persisted in storage so tokens survive restarts and every process
 * of a PostgreSQL deployment verifies every other's tokens. Per algorithm, the newest unretired
 * key signs; a key older than 30 days is retired (and a new one made) at the next start or sign,
 * and keeps verifying until every token it signed has expired.
 */
export class SigningKeys {
  private active = new Map<SigningAlg, ActiveKey>();
  private publicKeys: JWK[] = [];
  private keySet: JWTVerifyGetKey | undefined;
  private loadedAt = 0;

  constructor(private readonly records: AuthRecords, private readonly clock: Clock, private readonly sealer = new KeySealer(undefined)) {}

  /** Loads the keys, creating or rotating the signing key when due. */
  async load(): Promise<void> {
    let keys = await this.records.listSigningKeys();
    const now = this.clock.now().getTime();
    let changed = false;
    for (const alg of SIGNING_ALGS) {
      const current = newestUnretired(keys, alg);
      // A key-encryption key set since this key was made: the key in clear is replaced at once.
      const inClear = current !== undefined && this.sealer.seals && !isSealed(current.privateJwk);
      if (current && now - current.createdAt <= ROTATE_AFTER_MS && !inClear) continue;
      await this.records.insertSigningKey(await newSigningKey(alg, now, this.sealer));
      if (current) await this.records.retireSigningKey(current.kid, now, now + LONGEST_TOKEN_MS);
      changed = true;
    }
    if (changed) keys = await this.records.listSigningKeys();
    const active = new Map<SigningAlg, ActiveKey>();
    for (const alg of SIGNING_ALGS) {
      const signing = newestUnretired(keys, alg)!;
      active.set(alg, { kid: signing.kid, privateKey: (await importJWK(JSON.parse(await this.sealer.open(signing.privateJwk)) as JWK, signing.alg)) as CryptoKey });
    }
    this.active = active;
    this.publicKeys = keys.filter((k) => k.expiresAt === null || k.expiresAt > now).map((k) => JSON.parse(k.publicJwk) as JWK);
    this.keySet = createLocalJWKSet({ keys: this.publicKeys });
    this.loadedAt = now;
  }

  /** The key to sign with now for `alg` (rotating first if it is due). */
  async signingKey(alg: SigningAlg = TOKEN_ALG): Promise<ActiveKey> {
    if (this.active.size === 0 || this.clock.now().getTime() - this.loadedAt > ROTATE_AFTER_MS / 30) await this.load();
    return this.active.get(alg)!;
  }

  /** The public JWKS (`jwks_uri`). */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (!this.keySet) await this.load();
    return { keys: this.publicKeys };
  }

  /** A key resolver for `jwtVerify`; reloads once when it meets a kid it does not know. */
  verificationKeys(): JWTVerifyGetKey {
    return async (header, token) => {
      if (!this.keySet) await this.load();
      try {
        return await this.keySet!(header, token);
      } catch (error) {
        if (this.clock.now().getTime() - this.loadedAt < RELOAD_EVERY_MS) throw error;
        await this.load();
        return this.keySet!(header, token);
      }
    };
  }
}

function newestUnretired(keys: SigningKeyRecord[], alg: SigningAlg): SigningKeyRecord | undefined {
  return keys.filter((k) => k.retiredAt === null && k.alg === alg).sort((a, b) => b.createdAt - a.createdAt)[0];
}

async function newSigningKey(alg: SigningAlg, now: number, sealer: KeySealer): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...(alg === TOKEN_ALG ? { modulusLength: 2048 } : {}), extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: await sealer.seal(JSON.stringify({ ...(await exportJWK(privateKey)), ...meta })),
    publicJwk: JSON.stringify({ ...publicJwk, ...meta }),
    createdAt: now,
    retiredAt: null,
    expiresAt: null,
  };
}
