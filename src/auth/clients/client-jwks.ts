import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { OutboundClient, type OutboundPolicy } from '../../base/index.js';
import type { ClientRecord } from '../../storage/index.js';

/** Never trust a JWKS longer than this, whatever its Cache-Control says. */
const MAX_CACHE_MS = 3600 * 1000;
/** Without Cache-Control we keep it briefly, so a burst of token requests is one fetch. */
const DEFAULT_CACHE_MS = 60 * 1000;

interface CachedSet {
  keys: JWTVerifyGetKey;
  until: number;
}

/**
 * The keys a `private_key_jwt` client signs with: its inline JWKS, or its JWKS URL fetched
 * through the outbound guard (time-out, size limit, no private addresses in production), cached
 * no longer than its `Cache-Control` allows.
 */
export class ClientJwks {
  private readonly cache = new Map<string, CachedSet>();
  private readonly client = new OutboundClient();

  constructor(private readonly policy: OutboundPolicy, private readonly now: () => number) {}

  async keysOf(client: ClientRecord): Promise<JWTVerifyGetKey> {
    if (client.jwks) return createLocalJWKSet(JSON.parse(client.jwks) as JSONWebKeySet);
    if (!client.jwksUri) throw new Error('the client has no registered keys');
    const cached = this.cache.get(client.jwksUri);
    if (cached && cached.until > this.now()) return cached.keys;
    const response = await this.client.fetch(client.jwksUri, this.policy, { headers: { accept: 'application/json' } });
    if (response.status !== 200) throw new Error(`its JWKS URL answered ${response.status}`);
    const set = JSON.parse(response.text) as JSONWebKeySet;
    if (!Array.isArray(set.keys)) throw new Error('its JWKS URL did not return a JWK set');
    const keys = createLocalJWKSet(set);
    const lifetime = cacheLifetime(response.header('cache-control') ?? null);
    if (lifetime > 0) this.cache.set(client.jwksUri, { keys, until: this.now() + lifetime });
    return keys;
  }
}

function cacheLifetime(cacheControl: string | null): number {
  if (!cacheControl) return DEFAULT_CACHE_MS;
  if (/\b(no-store|no-cache)\b/i.test(cacheControl)) return 0;
  const maxAge = /\bmax-age=(\d+)/i.exec(cacheControl);
  return maxAge ? Math.min(Number(maxAge[1]) * 1000, MAX_CACHE_MS) : DEFAULT_CACHE_MS;
}
