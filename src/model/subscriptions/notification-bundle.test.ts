import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Resource } from '../fhir-types.js';
import { notificationBundle, type NotificationInput } from './notification-bundle.js';

const FIXTURES = new URL('../../../../shared/fixtures/subscriptions/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Bundle;
type Entry = { fullUrl: string; resource?: Resource & { parameter?: { name: string; part?: { name: string }[] }[] }; request: unknown; response: unknown };
type Bundle = Resource & { type: string; entry: Entry[] };

const encounter = { resourceType: 'Encounter', id: '86009987-eabe-42bf-8c02-b112b18cb616', status: 'in-progress' };
const input = (over: Partial<NotificationInput>): NotificationInput => ({
  subscriptionUrl: 'https://fhirserver.org/fhir/Subscription/123', topicUrl: 'http://fhirserver.org/topics/patient-admission',
  status: 'active', type: 'event-notification', eventsSinceSubscriptionStart: 1, id: 'b1', content: 'id-only',
  fhirBase: 'https://fhirserver.org/fhir', now: 0,
  events: [{ eventNumber: 1, timestamp: 0, focus: { resourceType: 'Encounter', id: encounter.id, versionId: 1 }, interaction: 'create', resource: encounter }],
  ...over,
});

/** The shape, not the values: parameter names in order, entries' urls, request and response. */
const shape = (bundle: Bundle) => ({
  type: bundle.type,
  entries: bundle.entry.map((e) => ({
    hasResource: e.resource !== undefined,
    resourceType: e.resource?.resourceType,
    parameters: e.resource?.parameter?.map((p) => [p.name, ...(p.part?.map((q) => q.name) ?? [])].join('/')),
    request: e.request,
    response: (e.response as { status: string }).status,
  })),
});

describe('notification bundles (Backport IG STU 1.1, R4)', () => {
  for (const [name, over] of [
    ['handshake_bundle_example.json', { type: 'handshake', status: 'requested', eventsSinceSubscriptionStart: 0, events: [] }],
    ['heartbeat_bundle_example.json', { type: 'heartbeat', eventsSinceSubscriptionStart: 2, events: [] }],
    ['empty_notification_bundle_example.json', { content: 'empty' }],
    ['id_only_notification_bundle_example.json', { content: 'id-only' }],
    ['full_resource_notification_bundle_example.json', { content: 'full-resource' }],
  ] as [string, Partial<NotificationInput>][]) {
    it(`has the shape of ${name}`, () => {
      const built = notificationBundle(input(over)) as Bundle;
      assert.deepEqual(shape(built), shape(fixture(name)));
      assert.equal(built.entry[0]!.fullUrl, 'urn:uuid:b1');
    });
  }
});
