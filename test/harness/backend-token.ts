import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';

/**
 * Real tokens for black-box tests, obtained the way a SMART Backend Services client would:
 * register (RFC 7591, open in sandbox mode) with a fresh ES384 key, then `client_credentials`
 * with a `private_key_jwt` assertion at the token endpoint. Tokens last five minutes, so `get()`
 * fetches a new one shortly before the old one expires.
 */
export interface TokenSource {
  clientId: string;
  get(): Promise<string>;
}

export async function backendTokenSource(baseUrl: string, scope = 'system/*.cruds', initialAccessToken?: string): Promise<TokenSource> {
  const discovery = await (await fetch(`${baseUrl}/fhir/.well-known/smart-configuration`)).json() as { token_endpoint: string; registration_endpoint: string };
  // The server may publish another host than the one we reach it at (--base-url behind a proxy):
  // talk to `baseUrl`, but name the published token URL as the assertion's audience.
  const reach = (published: string) => new URL(new URL(published).pathname, baseUrl).toString();
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES384', use: 'sig' };
  const registration = await fetch(reach(discovery.registration_endpoint), {
    method: 'POST',
    // Production mode registers only with the operator's initial access token (RFC 7591 §3).
    headers: { 'content-type': 'application/json', ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}) },
    body: JSON.stringify({
      client_name: 'Test harness', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, scope,
    }),
  });
  if (registration.status !== 201) throw new Error(`test client registration failed: ${registration.status} ${await registration.text()}`);
  const { client_id: clientId } = await registration.json() as { client_id: string };

  let current: { token: string; renewAt: number } | undefined;
  const fetchToken = async () => {
    const assertion = await clientAssertion(clientId, discovery.token_endpoint, privateKey);
    const response = await fetch(reach(discovery.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
      }),
    });
    const body = await response.json() as { access_token?: string; expires_in?: number };
    if (response.status !== 200 || !body.access_token) throw new Error(`test token request failed: ${response.status} ${JSON.stringify(body)}`);
    return { token: body.access_token, renewAt: Date.now() + ((body.expires_in ?? 60) - 30) * 1000 };
  };
  return {
    clientId,
    get: async () => {
      if (!current || Date.now() > current.renewAt) current = await fetchToken();
      return current.token;
    },
  };
}

export function clientAssertion(clientId: string, audience: string, key: CryptoKey, alg = 'ES384', kid = 'test-key'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(key);
}

/** The token each running test server's requests carry by default, by origin. */
const sources = new Map<string, TokenSource>();

export function useTokenFor(origin: string, source: TokenSource): void {
  sources.set(new URL(origin).origin, source);
}

export function forgetTokenFor(origin: string): void {
  sources.delete(new URL(origin).origin);
}

export async function defaultAuthorization(url: string): Promise<string | undefined> {
  const source = sources.get(new URL(url).origin);
  return source ? `Bearer ${await source.get()}` : undefined;
}
