import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * The sandbox EHR's own writes (the clinician's changes), through the FHIR API like any EHR back
 * end: a SMART Backend Services client registered by RFC 7591 (open in sandbox mode) with a fresh
 * ES384 key, and `client_credentials` with a `private_key_jwt` assertion.
 */
export interface EhrWriter {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function ehrWriter(fhirBase: string, scope: string): Promise<EhrWriter> {
  const discovery = (await (await fetch(`${fhirBase}/.well-known/smart-configuration`)).json()) as { token_endpoint: string; registration_endpoint: string };
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ehr', alg: 'ES384', use: 'sig' };
  const registration = await fetch(discovery.registration_endpoint, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Sandbox EHR (demo writes)', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, scope }),
  });
  if (registration.status !== 201) throw new Error(`registering the EHR's back end failed: HTTP ${registration.status} ${await registration.text()}`);
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  let token: { value: string; renewAt: number } | undefined;
  const accessToken = async () => {
    if (token && Date.now() < token.renewAt) return token.value;
    const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'ehr', typ: 'JWT' }).setIssuer(clientId).setSubject(clientId)
      .setAudience(discovery.token_endpoint).setJti(randomUUID()).setIssuedAt().setExpirationTime('4m').sign(privateKey);
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!response.ok || !body.access_token) throw new Error(`the EHR's token request failed: HTTP ${response.status} ${JSON.stringify(body)}`);
    token = { value: body.access_token, renewAt: Date.now() + ((body.expires_in ?? 60) - 30) * 1000 };
    return token.value;
  };
  return {
    async request(method, path, body) {
      const response = await fetch(`${fhirBase}/${path}`, {
        method, headers: { authorization: `Bearer ${await accessToken()}`, accept: 'application/fhir+json', ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
  };
}
