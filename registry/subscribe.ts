import { randomBytes } from 'node:crypto';
import { newHeaderSecret } from '../recipient/index.js';
import { fhirRequest } from './fhir-reader.js';
import type { GrantTokens } from './grant-tokens.js';
import type { RegistryDb, SubscriptionRow } from './registry-db.js';
import type { SecretBox } from './secret-box.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const TOPICS = {
  problems: 'http://handover.example/fhir/SubscriptionTopic/problem-list-changed',
  medications: 'http://handover.example/fhir/SubscriptionTopic/medication-list-changed',
} as const;

/** How long a subscription is asked for: the server caps `end` at what the grant allows and says so in the stored resource. */
const REQUESTED_MS = 90 * 86_400_000;

function filterFor(topic: string, patientId: string): string {
  // The medication topic has two resource types; a bare `patient=` filter applies to both.
  return topic === TOPICS.problems ? `Condition?patient=Patient/${patientId}` : `patient=Patient/${patientId}`;
}

export type PayloadContent = 'id-only' | 'full-resource';

/** The Backport IG R4 Subscription (backport-subscription profile) for one topic and one patient. */
export function subscriptionResource(topic: string, filter: string, endpoint: string, header: string, content: PayloadContent, end: Date): Record<string, unknown> {
  return {
    resourceType: 'Subscription', status: 'requested', reason: 'Registry referral: keep the registry\'s copy of the list current', end: end.toISOString(),
    criteria: topic,
    _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: filter }] },
    channel: {
      type: 'rest-hook', endpoint, payload: 'application/fhir+json', header: [header],
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: content }] },
    },
  };
}

export interface SubscribeContext {
  db: RegistryDb;
  box: SecretBox;
  tokens: GrantTokens;
  fhirBase: string;
  publicUrl: string;
  now: () => number;
}

/**
 * Subscribes to the problem-list and medication-list topics for the referral's patient. The
 * endpoint key and the secret are stored *before* the create: the handshake can arrive before
 * the create's response does.
 */
export async function subscribeReferral(ctx: SubscribeContext, referral: { id: string; grantId: string; patientId: string }, content: PayloadContent): Promise<string[]> {
  const made: string[] = [];
  for (const topic of [TOPICS.problems, TOPICS.medications]) {
    const filter = filterFor(topic, referral.patientId);
    const key = randomBytes(16).toString('base64url');
    const header = newHeaderSecret('X-Registry-Secret');
    ctx.db.insertSubscription({
      key, referral_id: referral.id, grant_id: referral.grantId, patient_id: referral.patientId, topic, content, header: ctx.box.seal(header, `header:${key}`),
      server_id: null, end_at: null, status: 'requested', tracker_state: null, last_notification_at: null, last_error: null, created_at: ctx.now(),
    });
    const end = new Date(ctx.now() + REQUESTED_MS);
    const created = await fhirRequest(ctx.tokens, referral.grantId, `${ctx.fhirBase}/Subscription`, {
      method: 'POST', body: subscriptionResource(topic, filter, `${ctx.publicUrl}/notifications/${key}`, header, content, end),
    });
    if (created.status !== 201 || !created.body?.id) {
      ctx.db.updateSubscription(key, { status: 'refused', last_error: `HTTP ${created.status}: ${JSON.stringify(created.body).slice(0, 500)}` });
      continue;
    }
    // The status is left to the notifications: the handshake may already have made it active.
    ctx.db.updateSubscription(key, { server_id: created.body.id, end_at: typeof created.body.end === 'string' ? created.body.end : null });
    made.push(key);
  }
  return made;
}

/**
 * The same subscription asked again with a later `end` (renewal, an update by PUT). It says
 * `active`, which keeps the server's state (`requested` would restart it with a handshake); the
 * rest is what the registry asked for at first, so nothing read back from the server is echoed.
 */
export function renewedSubscription(ctx: { box: SecretBox; publicUrl: string; now: () => number }, row: SubscriptionRow): Record<string, unknown> {
  const header = ctx.box.open(row.header, `header:${row.key}`);
  const resource = subscriptionResource(row.topic, filterFor(row.topic, row.patient_id), `${ctx.publicUrl}/notifications/${row.key}`, header,
    row.content as PayloadContent, new Date(ctx.now() + REQUESTED_MS));
  return { ...resource, id: row.server_id, status: 'active' };
}
