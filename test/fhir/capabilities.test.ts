import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http, type HttpResult } from '../harness/fhir-http.js';
import { readFileSync } from 'node:fs';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * R4 §3.1.0.13 capabilities: GET [base]/metadata answers a CapabilityStatement, and it is true —
 * every interaction advertised for a sample of types works, and every advertised search
 * parameter and _include is understood (a strict search would refuse an unknown one).
 */
const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const SAMPLE_VALUE: Record<string, string> = {
  token: 'http://example.org/codes|x', reference: 'Patient/x', date: 'ge2020-01-01', string: 'x', number: '1', quantity: '1', uri: 'http://example.org/x',
};
const BODIES: Record<string, (extra: Record<string, unknown>) => Record<string, unknown>> = {
  Basic: (extra) => ({ resourceType: 'Basic', code: { coding: [{ system: 'http://example.org/basic', code: 'note' }] }, ...extra }),
  Group: (extra) => ({ resourceType: 'Group', type: 'person', actual: true, name: 'Registry cohort', ...extra }),
};

describeEachEngine('FHIR capabilities', (server) => {
  let statement: any;
  const metadata = async () => (statement ??= (await http('GET', `${server().fhirBase}/metadata`)).body);
  const resourceOf = async (type: string) => (await metadata()).rest[0].resource.find((r: any) => r.type === type);

  test('GET /metadata answers a CapabilityStatement for FHIR 4.0.1 in JSON', async () => {
    const response = await http('GET', `${server().fhirBase}/metadata`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/fhir\+json/);
    const body = response.body;
    assert.equal(body.resourceType, 'CapabilityStatement');
    assert.equal(body.status, 'active');
    assert.equal(body.kind, 'instance');
    assert.equal(body.fhirVersion, '4.0.1');
    assert.match(body.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'a FHIR dateTime');
    assert.ok(Date.now() - Date.parse(body.date) < 3_600_000, 'dated when this running server made it, not a fixed day');
    assert.equal(body.implementation.url, server().fhirBase);
    assert.deepEqual(body.software, { name: 'Handover', version: PACKAGE_VERSION }, 'the version of this build, from package.json');
    assert.ok(body.format.includes('application/fhir+json') && body.format.includes('json'));
    assert.ok(body.patchFormat.includes('application/json-patch+json'));
    assert.equal(body.rest.length, 1);
    assert.equal(body.rest[0].mode, 'server');
    const system = body.rest[0].interaction.map((i: any) => i.code);
    for (const code of ['transaction', 'batch', 'history-system']) assert.ok(system.includes(code), code);
    assert.equal((await http('HEAD', `${server().fhirBase}/metadata`)).status, 200);
  });

  test('every resource type lists the type and instance interactions, and its search parameters with types', async () => {
    const resources = (await metadata()).rest[0].resource;
    assert.ok(resources.length >= 140);
    for (const type of ['Patient', 'Condition', 'Observation', 'Basic', 'Group', 'Encounter', 'Binary', 'Bundle']) {
      assert.ok(resources.some((r: any) => r.type === type), type);
    }
    for (const resource of resources) {
      assert.deepEqual(resource.interaction.map((i: any) => i.code).sort(), [...TYPE_INTERACTIONS].sort(), resource.type);
      for (const param of resource.searchParam) {
        assert.ok(Object.hasOwn(SAMPLE_VALUE, param.type), `${resource.type}.${param.name} has type ${param.type}`);
      }
    }
    const condition = await resourceOf('Condition');
    const params = new Map(condition.searchParam.map((p: any) => [p.name, p.type]));
    assert.equal(params.get('patient'), 'reference');
    assert.equal(params.get('subject'), 'reference');
    assert.equal(params.get('category'), 'token');
    assert.equal(params.get('code'), 'token');
    assert.equal(params.get('clinical-status'), 'token');
    assert.equal(params.get('onset-date'), 'date');
    assert.equal(params.get('_lastUpdated'), 'date');
    assert.ok(condition.searchInclude.includes('Condition:patient'));
    assert.equal(condition.versioning, 'versioned-update');
    assert.equal(condition.conditionalDelete, 'single');
  });

  test('every advertised search parameter and _include of sample types is understood', async () => {
    const base = server().fhirBase;
    const unknown = await http('GET', `${base}/Condition?shoe-size=42`, undefined, { prefer: 'handling=strict' });
    assert.equal(unknown.status, 400, 'a strict search refuses what it does not understand');
    for (const type of ['Condition', 'Observation', 'Patient', 'Basic', 'Group', 'Encounter']) {
      const resource = await resourceOf(type);
      for (const param of resource.searchParam) {
        const response = await http('GET', `${base}/${type}?${param.name}=${encodeURIComponent(SAMPLE_VALUE[param.type]!)}`, undefined, { prefer: 'handling=strict' });
        assert.equal(response.status, 200, `${type}?${param.name} (${param.type}): ${JSON.stringify(response.body?.issue ?? '')}`);
      }
      for (const include of resource.searchInclude) {
        const response = await http('GET', `${base}/${type}?_include=${include}`, undefined, { prefer: 'handling=strict' });
        assert.equal(response.status, 200, `${type}?_include=${include}: ${JSON.stringify(response.body?.issue ?? '')}`);
      }
    }
  });

  for (const type of ['Basic', 'Group']) {
    test(`${type}: each advertised interaction works`, async () => {
      const base = server().fhirBase;
      const body = BODIES[type]!;
      let id = '';
      let created: HttpResult | undefined;
      const probes: Record<string, () => Promise<void>> = {
        create: async () => {
          created = await http('POST', `${base}/${type}`, body({}));
          assert.equal(created.status, 201);
          id = created.body.id;
          assert.match(created.headers.get('location') ?? '', new RegExp(`/${type}/${id}/_history/1$`));
        },
        read: async () => assert.equal((await http('GET', `${base}/${type}/${id}`)).body.id, id),
        vread: async () => assert.equal((await http('GET', `${base}/${type}/${id}/_history/1`)).body.meta.versionId, '1'),
        update: async () => {
          const updated = await http('PUT', `${base}/${type}/${id}`, body({ id, language: 'en' }), { 'if-match': 'W/"1"' });
          assert.equal(updated.status, 200, JSON.stringify(updated.body));
          assert.equal(updated.body.meta.versionId, '2');
        },
        patch: async () => {
          const patched = await http('PATCH', `${base}/${type}/${id}`, [{ op: 'replace', path: '/language', value: 'fr' }], { 'content-type': 'application/json-patch+json' });
          assert.equal(patched.status, 200, JSON.stringify(patched.body));
          assert.equal(patched.body.language, 'fr');
        },
        'history-instance': async () => assert.equal((await http('GET', `${base}/${type}/${id}/_history`)).body.entry.length, 3),
        'history-type': async () => {
          const history = await http('GET', `${base}/${type}/_history`);
          assert.ok(history.body.entry.some((e: any) => e.resource?.id === id && e.resource.meta.versionId === '3'));
        },
        'search-type': async () => assert.deepEqual((await http('GET', `${base}/${type}?_id=${id}`)).body.entry.map((e: any) => e.resource.id), [id]),
        delete: async () => {
          assert.equal((await http('DELETE', `${base}/${type}/${id}`)).status, 204);
          assert.equal((await http('GET', `${base}/${type}/${id}`)).status, 410);
        },
      };
      const resource = await resourceOf(type);
      const advertised: string[] = resource.interaction.map((i: any) => i.code);
      const order = Object.keys(probes).filter((code) => advertised.includes(code));
      assert.deepEqual([...order].sort(), [...advertised].sort(), 'a probe for every advertised interaction');
      for (const code of order) await probes[code]!();
      assert.ok(created);

      // The conditional capabilities the statement claims.
      const ident = { identifier: [{ system: 'http://example.org/ids', value: `cap-${type}` }] };
      const criteria = `identifier=http://example.org/ids|cap-${type}`;
      assert.equal(resource.conditionalCreate, true);
      const first = await http('POST', `${base}/${type}`, body(ident), { 'if-none-exist': criteria });
      assert.equal(first.status, 201);
      assert.equal((await http('POST', `${base}/${type}`, body(ident), { 'if-none-exist': criteria })).body.id, first.body.id);
      assert.equal(resource.conditionalUpdate, true);
      const updated = await http('PUT', `${base}/${type}?${criteria}`, body({ ...ident, language: 'de' }));
      assert.equal(updated.body.id, first.body.id);
      assert.equal(resource.conditionalDelete, 'single');
      assert.equal((await http('DELETE', `${base}/${type}?${criteria}`)).status, 204);
      assert.equal((await http('GET', `${base}/${type}/${first.body.id}`)).status, 410);
      assert.equal(resource.updateCreate, true);
      assert.equal((await http('PUT', `${base}/${type}/cap-client-id`, body({ id: 'cap-client-id' }))).status, 201);
    });
  }
});
