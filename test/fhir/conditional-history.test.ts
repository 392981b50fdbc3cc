import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, patientBody } from '../harness/fhir-http.js';

const mrn = (value: string) => ({ identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value }] });

describeEachEngine('FHIR conditional interactions and history', (server) => {
  test('conditional create: none → 201, one → 200 with it and nothing stored, several → 412', async () => {
    const base = server().fhirBase;
    const first = await http('POST', `${base}/Patient`, patientBody('Cond', mrn('c-1')), { 'if-none-exist': 'identifier=urn:oid:1.2.36.146.595.217.0.1|c-1' });
    assert.equal(first.status, 201);
    const again = await http('POST', `${base}/Patient`, patientBody('Cond', mrn('c-1')), { 'if-none-exist': 'identifier=urn:oid:1.2.36.146.595.217.0.1|c-1' });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    await http('POST', `${base}/Patient`, patientBody('Cond', mrn('c-2')));
    await http('POST', `${base}/Patient`, patientBody('Cond', mrn('c-2')));
    const many = await http('POST', `${base}/Patient`, patientBody('Cond', mrn('c-2')), { 'if-none-exist': 'identifier=c-2' });
    assert.equal(many.status, 412);
    const search = await http('GET', `${base}/Patient?identifier=c-2`);
    assert.equal(search.body.total, 2);
  });

  test('concurrent conditional creates and updates of the same criteria store one resource (the others find it)', async () => {
    const base = server().fhirBase;
    const creates = await Promise.all(Array.from({ length: 12 }, () =>
      http('POST', `${base}/Patient`, patientBody('Race', mrn('race-1')), { 'if-none-exist': 'identifier=urn:oid:1.2.36.146.595.217.0.1|race-1' })));
    assert.deepEqual(creates.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    assert.equal(new Set(creates.map((r) => r.body.id)).size, 1, 'every answer names the one resource');
    const updates = await Promise.all(Array.from({ length: 12 }, (_, i) => http('PUT', `${base}/Patient?identifier=race-2`, patientBody(`Race${i}`, mrn('race-2')))));
    assert.equal(updates.filter((r) => r.status === 201).length, 1, updates.map((r) => r.status).join());
    assert.ok(updates.every((r) => r.status === 200 || r.status === 201));
    // In transactions too (each Bundle its own transaction).
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patientBody('RaceTx', mrn('race-3')),
      request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=race-3' } }] };
    const bundles = await Promise.all(Array.from({ length: 8 }, () => http('POST', base, bundle)));
    assert.ok(bundles.every((r) => r.status === 200), bundles.map((r) => r.status).join());
    for (const value of ['race-1', 'race-2', 'race-3']) {
      assert.equal((await http('GET', `${base}/Patient?identifier=${value}&_summary=count`)).body.total, 1, value);
    }
  });

  test('concurrent creates of one client-chosen id (PUT create-on-update) make one 201 and updates after it, never a conflict', async () => {
    const base = server().fhirBase;
    const puts = await Promise.all(Array.from({ length: 10 }, (_, i) => http('PUT', `${base}/Patient/same-new-id`, { ...patientBody(`Put${i}`), id: 'same-new-id' })));
    assert.deepEqual(puts.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201], puts.map((r) => r.text.slice(0, 120)).join('\n'));
    assert.deepEqual(puts.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1), 'one version each');
    const entry = (i: number) => ({ resource: { ...patientBody(`Tx${i}`), id: 'same-new-tx-id' }, request: { method: 'PUT', url: 'Patient/same-new-tx-id' } });
    const bundles = await Promise.all(Array.from({ length: 6 }, (_, i) => http('POST', base, { resourceType: 'Bundle', type: 'transaction', entry: [entry(i)] })));
    assert.deepEqual(bundles.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text.slice(0, 160)}`), []);
    assert.equal((await http('GET', `${base}/Patient/same-new-tx-id`)).body.meta.versionId, '6');
  });

  test('transactions whose conditional entries name the same criteria in opposite order all succeed (no deadlock)', async () => {
    const base = server().fhirBase;
    const entry = (value: string) => ({ resource: patientBody('Order', mrn(value)), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${value}` } });
    const update = (value: string) => ({ resource: patientBody('OrderU', mrn(value)), request: { method: 'PUT', url: `Patient?identifier=${value}` } });
    const pairs = Array.from({ length: 6 }, (_, i) => [`order-a${i}`, `order-b${i}`] as const);
    // Each pair twice, in both orders, at once: without one global lock order each holds one criterion and waits for the other.
    const answers = await Promise.all(pairs.flatMap(([a, b]) => [
      http('POST', base, { resourceType: 'Bundle', type: 'transaction', entry: [entry(a), update(b)] }),
      http('POST', base, { resourceType: 'Bundle', type: 'transaction', entry: [update(b), entry(a)] }),
      http('POST', base, { resourceType: 'Bundle', type: 'transaction', entry: [entry(b), entry(a)] }),
    ]));
    assert.deepEqual(answers.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text.slice(0, 200)}`), []);
    for (const value of pairs.flat()) assert.equal((await http('GET', `${base}/Patient?identifier=${value}&_summary=count`)).body.total, 1, value);
  });

  test('conditional update: no match creates, one match updates it, several → 412', async () => {
    const base = server().fhirBase;
    const created = await http('PUT', `${base}/Patient?identifier=u-1`, patientBody('Upd', mrn('u-1')));
    assert.equal(created.status, 201);
    const updated = await http('PUT', `${base}/Patient?identifier=u-1`, patientBody('Upd2', mrn('u-1')));
    assert.equal(updated.status, 200);
    assert.equal(updated.body.id, created.body.id);
    assert.equal(updated.body.meta.versionId, '2');
    await http('POST', `${base}/Patient`, patientBody('Dup', mrn('u-1')));
    const many = await http('PUT', `${base}/Patient?identifier=u-1`, patientBody('Upd3', mrn('u-1')));
    assert.equal(many.status, 412);
  });

  test('conditional delete removes the single match', async () => {
    const base = server().fhirBase;
    const created = await http('POST', `${base}/Patient`, patientBody('Del', mrn('d-1')));
    const deleted = await http('DELETE', `${base}/Patient?identifier=d-1`);
    assert.equal(deleted.status, 204);
    assert.equal((await http('GET', `${base}/Patient/${created.body.id}`)).status, 410);
  });

  test('history at type and system level, newest first, paged with _count, filtered by _since', async () => {
    const base = server().fhirBase;
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await http('POST', `${base}/Practitioner`, { resourceType: 'Practitioner', name: [{ family: `H${i}` }] })).body.id);
    const typeHistory = await http('GET', `${base}/Practitioner/_history?_since=${encodeURIComponent(before)}&_count=2`);
    assert.equal(typeHistory.status, 200);
    assert.equal(typeHistory.body.entry.length, 2);
    assert.equal(typeHistory.body.entry[0].resource.id, ids[2]);
    const next = typeHistory.body.link.find((l: any) => l.relation === 'next');
    assert.ok(next, 'a next link');
    const page2 = await http('GET', next.url);
    assert.equal(page2.body.entry.length, 1);
    assert.equal(page2.body.entry[0].resource.id, ids[0]);
    const system = await http('GET', `${base}/_history?_since=${encodeURIComponent(before)}`);
    assert.deepEqual(system.body.entry.map((e: any) => e.resource.id), [...ids].reverse());
    const bad = await http('GET', `${base}/_history?_since=yesterday`);
    assert.equal(bad.status, 400);
  });

  test('_at returns the versions current at that time', async () => {
    const base = server().fhirBase;
    const created = await http('POST', `${base}/Organization`, { resourceType: 'Organization', name: 'Before' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await http('PUT', `${base}/Organization/${created.body.id}`, { resourceType: 'Organization', id: created.body.id, name: 'After' });
    const at = await http('GET', `${base}/Organization/${created.body.id}/_history?_at=${encodeURIComponent(between)}`);
    assert.deepEqual(at.body.entry.map((e: any) => e.resource.name), ['Before']);
  });
});
