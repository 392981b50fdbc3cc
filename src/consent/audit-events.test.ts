import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { DisclosureRecord } from '../storage/index.js';
import { auditEventsOf, sentReferences } from './audit-events.js';

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

it('auditEventsOf: one event per patient, resources without a patient in one more, stable ids', () => {
  const record: DisclosureRecord = {
    id: 'd1', recordedAt: Date.parse('2026-01-01T00:00:00Z'), grantId: 'g', clientId: 'app', consentId: 'k1', kind: 'search',
    detail: JSON.stringify({ query: 'Condition?code=x' }), resources: JSON.stringify(['Condition/a/_history/1', 'Condition/b/_history/1', 'Medication/m/_history/2']),
    materializedAt: null,
  };
  const patientOf = new Map([['Condition/a/_history/1', 'p1'], ['Condition/b/_history/1', 'p2'], ['Medication/m/_history/2', undefined]]);
  const events = auditEventsOf({ record, clientName: 'App', patientOf, purpose: undefined, fhirBase: 'http://x/fhir' });
  assert.deepEqual(events.map((e) => e.id), ['d1-0', 'd1-1', 'd1-2']);
  const whats = events.map((e) => (e.entity as { what?: { reference: string } }[]).flatMap((x) => (x.what ? [x.what.reference] : [])));
  assert.deepEqual(whats, [['Medication/m/_history/2'], ['Patient/p1', 'Condition/a/_history/1'], ['Patient/p2', 'Condition/b/_history/1']]);
  for (const event of events) {
    assert.equal((event.type as { code: string }).code, '110106');
    assert.deepEqual((event.agent as { policy?: string[] }[])[1]!.policy, ['Consent/k1']);
  }
});
