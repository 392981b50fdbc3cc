import { createLogger, newId, systemClock } from '../../src/base/index.js';
import { extractSearchIndex, type Resource } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createSubscriptionEngine, type SubscriptionEngine } from '../../src/subscriptions/index.js';
import { OPEN_ACCESS } from '../../src/access/index.js';

export const FHIR_BASE = 'http://127.0.0.1:9/fhir';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
export const PROBLEM_LIST = 'http://handover.example/fhir/SubscriptionTopic/problem-list-changed';

export function newEngine(store: Store, options: Record<string, unknown> = {}): SubscriptionEngine {
  return createSubscriptionEngine({
    store, clock: systemClock, log: createLogger('silent'),
    options: { mode: 'sandbox', fhirBase: FHIR_BASE, pollMs: 50, initialBackoffMs: 100, maxBackoffMs: 400, ...options },
  });
}

/** Writes the next version the way the FHIR write path does (one transaction, indexed). */
export async function write(store: Store, resource: Resource & { id: string }, engine?: SubscriptionEngine): Promise<void> {
  await store.transaction(async (tx) => {
    const current = await tx.readCurrentForUpdate(resource.resourceType, resource.id);
    const versionId = (current?.versionId ?? 0) + 1;
    const lastUpdated = Math.max(Date.now(), (current?.lastUpdated ?? 0) + 1);
    const stored = { ...resource, meta: { versionId: String(versionId), lastUpdated: new Date(lastUpdated).toISOString() } };
    await tx.writeVersion({ resourceType: resource.resourceType, id: resource.id, versionId, lastUpdated, json: JSON.stringify(stored),
      index: extractSearchIndex(stored, { localBase: FHIR_BASE }) });
  });
  engine?.notifyCommitted();
}

export async function remove(store: Store, resourceType: string, id: string, engine?: SubscriptionEngine): Promise<void> {
  await store.transaction(async (tx) => {
    const current = (await tx.readCurrentForUpdate(resourceType, id))!;
    await tx.writeVersion({ resourceType, id, versionId: current.versionId + 1, lastUpdated: Math.max(Date.now(), current.lastUpdated + 1), json: null, index: null });
  });
  engine?.notifyCommitted();
}

export function subscription(endpoint: string, filter: string, channel: Record<string, unknown> = {}, topic = PROBLEM_LIST): Resource {
  return {
    resourceType: 'Subscription', status: 'requested', reason: 'test', criteria: topic,
    _criteria: { extension: [{ url: `${BACKPORT}backport-filter-criteria`, valueString: filter }] },
    channel: {
      type: 'rest-hook', endpoint, payload: 'application/fhir+json', header: ['Authorization: Bearer secret-token'],
      _payload: { extension: [{ url: `${BACKPORT}backport-payload-content`, valueCode: 'id-only' }] }, ...channel,
    },
  };
}

export const heartbeat = (seconds: number) => ({ url: `${BACKPORT}backport-heartbeat-period`, valueUnsignedInt: seconds });
export const maxCount = (count: number) => ({ url: `${BACKPORT}backport-max-count`, valuePositiveInt: count });

/** Validates and registers a Subscription as the FHIR layer will; returns its id. */
export async function subscribe(engine: SubscriptionEngine, resource: Resource): Promise<string> {
  const validated = await engine.validateSubscription(resource, OPEN_ACCESS);
  const id = newId();
  await engine.onSubscriptionWritten(id, validated);
  return id;
}

export const condition = (id: string, patient: string, category: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: category }] }],
  code: { text: 'something' }, ...extra,
});
