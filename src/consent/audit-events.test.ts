import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { DisclosureRecord } from '../storage/index.js';
import { auditEventsOf, sentReferences } from './audit-events.js';
import { recipientDeviceId } from './consent-resources.js';

const resource = (type: string, id: string, version = '1') => ({ resourceType: type, id, meta: { versionId: version } });

it('sentReferences: a resource, the entries of server-made Bundles (nested too), never outcomes or a stored Bundle\'s content', () => {
  assert.deepEqual(sentReferences(resource('Patient', 'p1', '3')), ['Patient/p1/_history/3']);
  assert.deepEqual(sentReferences({ resourceType: 'Bundle', type: 'searchset', entry: [
    { resource: resource('Condition', 'c1') }, { resource: resource('Patient', 'p1') }, { resource: { resourceType: 'OperationOutcome', id: 'x' } },
  ] }), ['Condition/c1/_history/1', 'Patient/p1/_history/1']);
  assert.deepEqual(sentReferences({ resourceType: 'Bundle', type: 'batch-response', entry: [
    { resource: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: resource('Condition', 'c2') }] } }, { resource: resource('Condition', 'c2') },
  ] }), ['Condition/c2/_history/1']);
  assert.deepEqual(sentReferences({ ...resource('Bundle', 'doc'), type: 'document', entry: [{ resource: resource('Composition', 'x') }] }), ['Bundle/doc/_history/1']);
  assert.deepEqual(sentReferences({ resourceType: 'Parameters', parameter: [] }), []);
});

const recipient = { clientId: 'app', clientName: 'App', consentId: 'k1', purpose: undefined };
const disclosure = (id: string, kind: string, at: string, detail: object, resources: string[]): DisclosureRecord => ({
  id, recordedAt: Date.parse(at), grantId: 'g', clientId: 'app', consentId: 'k1', kind, detail: JSON.stringify(detail), resources: JSON.stringify(resources), materializedAt: null,
});
type Event = { id: string; entity: { what?: { reference: string }; query?: string }[]; period: { start: string; end: string }; extension?: { valueInteger: number }[] };

it('auditEventsOf: one event per patient, resources without a patient in one more, ids from the batch', () => {
  const record = disclosure('d1', 'search', '2026-01-01T00:00:00Z', { query: 'Condition?code=x' }, ['Condition/a/_history/1', 'Condition/b/_history/1', 'Medication/m/_history/2']);
  const patientOf = new Map([['Condition/a/_history/1', 'p1'], ['Condition/b/_history/1', 'p2'], ['Medication/m/_history/2', undefined]]);
  const events = auditEventsOf({ batchId: 'b1', disclosures: [{ record, recipient }], patientOf, fhirBase: 'http://x/fhir' }) as unknown as Event[];
  assert.deepEqual(events.map((e) => e.id), ['b1-0', 'b1-1', 'b1-2']);
  const whats = events.map((e) => e.entity.flatMap((x) => (x.what ? [x.what.reference] : [])));
  assert.deepEqual(whats, [['Medication/m/_history/2'], ['Patient/p1', 'Condition/a/_history/1'], ['Patient/p2', 'Condition/b/_history/1']]);
  for (const event of events as unknown as Record<string, unknown>[]) {
    assert.equal((event.type as { code: string }).code, '110106');
    assert.deepEqual((event.agent as { policy?: string[] }[])[1]!.policy, ['Consent/k1']);
    assert.equal(event.extension, undefined, 'one disclosure: no count');
  }
});

it('auditEventsOf: a batch\'s disclosures to one recipient about one patient by one interaction are one event spanning them', () => {
  const patientOf = new Map([['Patient/p1/_history/1', 'p1'], ['Patient/p1/_history/2', 'p1'], ['Condition/a/_history/1', 'p1'], ['Patient/p2/_history/1', 'p2']]);
  const reads = [
    disclosure('d1', 'read', '2026-01-01T00:00:01Z', { query: 'Patient/p1' }, ['Patient/p1/_history/1']),
    disclosure('d2', 'read', '2026-01-01T00:00:03Z', { query: 'Patient/p1' }, ['Patient/p1/_history/2']),
    disclosure('d3', 'read', '2026-01-01T00:00:02Z', { query: 'Patient/p2' }, ['Patient/p2/_history/1']),
    disclosure('d4', 'search', '2026-01-01T00:00:02Z', { query: 'Condition?patient=p1' }, ['Condition/a/_history/1']),
    disclosure('d5', 'notification', '2026-01-01T00:00:04Z', { subscription: 's1', events: [7] }, ['Condition/a/_history/1']),
    disclosure('d6', 'notification', '2026-01-01T00:00:05Z', { subscription: 's1', events: [8, 9] }, ['Condition/a/_history/1']),
  ];
  const other = { ...recipient, clientId: 'other', clientName: 'Other' };
  const events = auditEventsOf({ batchId: 'b', fhirBase: 'http://x/fhir', patientOf,
    disclosures: [...reads.map((record) => ({ record, recipient })), { record: reads[0]!, recipient: other }] }) as unknown as (Event & { subtype: { code: string }[]; agent: { who: { reference?: string } }[] })[];
  const describe = (e: (typeof events)[number]) => `${e.agent[1]!.who.reference} ${e.subtype[1]!.code} ${e.entity.flatMap((x) => (x.what ? [x.what.reference] : [])).join(' ')}`;
  assert.deepEqual(events.map(describe).sort(), [
    'Device/app notification Patient/p1 Condition/a/_history/1 Subscription/s1',
    'Device/app read Patient/p1 Patient/p1/_history/1 Patient/p1/_history/2',
    'Device/app read Patient/p2 Patient/p2/_history/1',
    'Device/app search-type Patient/p1 Condition/a/_history/1',
    'Device/other read Patient/p1 Patient/p1/_history/1',
  ].map((line) => line.replace(/Device\/(\w+)/, (_m, c: string) => `Device/${recipientDeviceId(c)}`)));
  const p1Reads = events.find((e) => describe(e).includes('read Patient/p1 Patient/p1/_history/1 Patient/p1/_history/2'))!;
  assert.deepEqual(p1Reads.period, { start: '2026-01-01T00:00:01.000Z', end: '2026-01-01T00:00:03.000Z' });
  assert.equal(p1Reads.extension![0]!.valueInteger, 2);
  const notified = events.find((e) => e.subtype[1]!.code === 'notification')! as unknown as { entity: { description?: string }[] };
  assert.equal(notified.entity.find((x) => x.description)!.description, 'events 7, 8, 9');
  // The same rows in another order: the same ids for the same events (a batch written again replaces, never duplicates).
  const again = auditEventsOf({ batchId: 'b', fhirBase: 'http://x/fhir', patientOf,
    disclosures: [{ record: reads[0]!, recipient: other }, ...[...reads].reverse().map((record) => ({ record, recipient }))] }) as unknown as Event[];
  assert.deepEqual(again.map((e) => `${e.id} ${JSON.stringify(e.entity)}`).sort(), events.map((e) => `${e.id} ${JSON.stringify(e.entity)}`).sort());
});

it('auditEventsOf: a row recorded with an empty query (batches did, once) gives no query entity', () => {
  const record = disclosure('d1', 'batch', '2026-01-01T00:00:00Z', { query: '' }, ['Patient/p1/_history/1']);
  const [event] = auditEventsOf({ batchId: 'b', disclosures: [{ record, recipient }], patientOf: new Map([['Patient/p1/_history/1', 'p1']]), fhirBase: 'http://x/fhir' }) as unknown as Event[];
  assert.deepEqual(event!.entity.filter((x) => 'query' in x), []);
});
