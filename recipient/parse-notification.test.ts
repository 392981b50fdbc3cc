import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './fixtures.test-helper.js';
import { InvalidNotification, parseNotification, parseStatusBundle } from './index.js';

test('handshake and heartbeat: type, subscription, counter, no events', () => {
  const handshake = parseNotification(fixture('handshake'));
  assert.equal(handshake.type, 'handshake');
  assert.equal(handshake.subscription, 'https://fhirserver.org/fhir/Subscription/123');
  assert.equal(handshake.topic, 'http://fhirserver.org/topics/patient-admission');
  assert.equal(handshake.status, 'requested');
  assert.equal(handshake.eventsSinceSubscriptionStart, 0);
  assert.deepEqual(handshake.events, []);
  const heartbeat = parseNotification(fixture('heartbeat'));
  assert.equal(heartbeat.type, 'heartbeat');
  assert.equal(heartbeat.eventsSinceSubscriptionStart, 2);
});

test('empty: the event is there, its content withheld', () => {
  const [event] = parseNotification(fixture('empty_notification')).events;
  assert.equal(event?.eventNumber, 1);
  assert.equal(event?.withheld, true);
  assert.equal(event?.focus, undefined);
  assert.equal(event?.timestamp, '2020-05-29T11:44:13.1882432-05:00');
});

test('id-only: the focus reference and the interaction, no resource', () => {
  const [event] = parseNotification(fixture('id_only_notification')).events;
  assert.equal(event?.withheld, false);
  assert.deepEqual(event?.focus, { reference: 'https://fhirserver.org/fhir/Encounter/86009987-eabe-42bf-8c02-b112b18cb616', resourceType: 'Encounter', id: '86009987-eabe-42bf-8c02-b112b18cb616' });
  assert.equal(event?.interaction, 'create');
  assert.equal(event?.resource, undefined);
});

test('full-resource: the focus resource itself, and additional-context entries', () => {
  const bundle = fixture('full_resource_notification');
  const patientUrl = 'https://fhirserver.org/fhir/Patient/1599eb66';
  bundle.entry[0].resource.parameter[5].part.push({ name: 'additional-context', valueReference: { reference: patientUrl } });
  bundle.entry.push({ fullUrl: patientUrl, resource: { resourceType: 'Patient', id: '1599eb66' }, request: { method: 'GET', url: 'Patient/1599eb66' } });
  const [event] = parseNotification(bundle).events;
  assert.equal(event?.resource?.resourceType, 'Encounter');
  assert.equal(event?.resource?.id, '86009987-eabe-42bf-8c02-b112b18cb616');
  assert.deepEqual(event?.additionalContext.map((c) => c.resourceType), ['Patient']);
  assert.deepEqual(event?.included.map((r) => r.id), ['1599eb66']);
});

test('refuses what is not a notification, saying why', () => {
  const refused = (body: unknown, pattern: RegExp) => assert.throws(() => parseNotification(body), (e: unknown) => e instanceof InvalidNotification && pattern.test(e.message));
  refused('x', /not a JSON object/);
  refused({ resourceType: 'Patient' }, /not a Bundle/);
  refused({ ...fixture('handshake'), type: 'searchset' }, /history Bundle/);
  refused({ ...fixture('handshake'), entry: [] }, /no entries/);
  const noType = fixture('handshake');
  noType.entry[0].resource.parameter = noType.entry[0].resource.parameter.filter((p: any) => p.name !== 'type');
  refused(noType, /exactly one "type"/);
  const badType = fixture('handshake');
  badType.entry[0].resource.parameter[3].valueCode = 'surprise';
  refused(badType, /unknown notification type/);
  const badNumber = fixture('id_only_notification');
  badNumber.entry[0].resource.parameter[5].part[0].valueString = '-1';
  refused(badNumber, /event-number/);
  const noEvents = fixture('id_only_notification');
  noEvents.entry[0].resource.parameter.splice(5, 1);
  refused(noEvents, /carries no notification-event/);
  const badCounter = fixture('heartbeat');
  badCounter.entry[0].resource.parameter[4].valueString = 'two';
  refused(badCounter, /events-since-subscription-start/);
});

test('$status: one query-status per entry of the searchset, with status, counter and errors; anything else refused', () => {
  const status = fixture('heartbeat').entry[0].resource;
  status.parameter.find((p: any) => p.name === 'type').valueCode = 'query-status';
  status.parameter.find((p: any) => p.name === 'status').valueCode = 'error';
  status.parameter.push({ name: 'error', valueCodeableConcept: { text: 'endpoint answered HTTP 500' } });
  const [parsed, ...rest] = parseStatusBundle({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: status, search: { mode: 'match' } }] });
  assert.deepEqual(rest, []);
  assert.equal(parsed?.type, 'query-status');
  assert.equal(parsed?.status, 'error');
  assert.equal(parsed?.eventsSinceSubscriptionStart, 2);
  assert.deepEqual(parsed?.errors, ['endpoint answered HTTP 500']);
  assert.throws(() => parseStatusBundle(fixture('heartbeat')), /not a searchset/);
  assert.throws(() => parseStatusBundle({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: fixture('heartbeat').entry[0].resource }] }), /not a query-status/);
});
