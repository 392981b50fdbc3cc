import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { SmartFlow } from '../harness/smart-flow.js';
import { http } from '../harness/fhir-http.js';
import type { TestServer } from '../harness/test-server.js';
import { subscription } from '../subscriptions/engine-harness.js';
import { Receiver } from '../subscriptions/receiver.js';

export const REFERRAL_SCOPE = 'launch offline_access patient/Patient.rs patient/Condition.rs patient/Subscription.cruds';

export interface Referral {
  clientId: string;
  tokens: { access_token: string; refresh_token: string };
  grantId: string;
  receiver: Receiver;
  subscriptionId: string;
}

/**
 * A clinician's referral as the recipient sees it, through the standards only: an EHR launch
 * minted by the operator API, the clinician's sign-in and approval with `offline_access`, the code
 * exchanged, a rest-hook Subscription whose handshake arrived.
 */
export async function refer(server: TestServer, input: { operator: string; clinician: [string, string]; patientId: string; clientName: string }): Promise<Referral> {
  const origin = new URL(server.fhirBase).origin;
  const app = await SmartFlow.register(server, { name: input.clientName, redirectUri: 'http://127.0.0.1:9/registry/callback', launchUrl: 'http://127.0.0.1:9/registry/launch' });
  const clientId = app.client.client_id;
  const minted = await http('POST', `${origin}/auth/launches`, { client_id: clientId, user: input.clinician[0], patient: input.patientId },
    { 'content-type': 'application/json', authorization: `Bearer ${input.operator}` });
  assert.equal(minted.status, 201, minted.text);
  const tokens = await app.launchTokens(REFERRAL_SCOPE, minted.body.launch_url, input.clinician) as Referral['tokens'];
  assert.ok(tokens.refresh_token, 'an offline grant');
  const receiver = new Receiver();
  const created = await http('POST', `${server.fhirBase}/Subscription`, subscription(await receiver.start(), `Condition?patient=Patient/${input.patientId}`),
    { authorization: `Bearer ${tokens.access_token}` });
  assert.equal(created.status, 201, created.text);
  await receiver.until(() => receiver.of('handshake').length >= 1);
  return { clientId, tokens, grantId: decodeJwt(tokens.access_token).grant as string, receiver, subscriptionId: created.body.id as string };
}

/** RFC 6749 §6 refresh as the recipient does it: the status and body. */
export async function refresh(server: TestServer, referral: Referral): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${new URL(server.fhirBase).origin}/auth/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'refresh_token', refresh_token: referral.tokens.refresh_token, client_id: referral.clientId,
  }) });
  const body = await response.json() as Record<string, unknown>;
  if (response.status === 200) referral.tokens = body as Referral['tokens'];
  return { status: response.status, body };
}

/** RFC 7662 introspection of its own access token by the (public) recipient. */
export async function introspect(server: TestServer, referral: Referral): Promise<Record<string, unknown>> {
  const response = await fetch(`${new URL(server.fhirBase).origin}/auth/introspect`, { method: 'POST', body: new URLSearchParams({
    token: referral.tokens.access_token, client_id: referral.clientId,
  }) });
  return await response.json() as Record<string, unknown>;
}
