import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { describeEachEngine } from '../harness/test-server.js';
import { http } from '../harness/fhir-http.js';

/**
 * Example resources published with the specifications (../shared/fixtures, copied unchanged from
 * the Inferno test kit and fhir-candle) round-trip through create and read unchanged. Subscriptions
 * are left to the subscriptions capability, which validates their topics.
 */
const FIXTURES = new URL('../../../shared/fixtures/subscriptions/', import.meta.url);
const examples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, text: readFileSync(new URL(name, FIXTURES), 'utf8') }))
  .filter(({ text }) => !/"resourceType"\s*:\s*"Subscription"/.test(text.slice(0, 200)));

function withoutMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, id: _id, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = (meta ?? {}) as Record<string, unknown>;
  return Object.keys(keptMeta).length > 0 ? { ...rest, meta: keptMeta } : rest;
}

describeEachEngine('official examples', (server) => {
  test('there are examples to try', () => {
    assert.ok(examples.length >= 5);
  });

  for (const example of examples) {
    test(`${example.name} is accepted and reads back unchanged`, async () => {
      const resource = JSON.parse(example.text.replace(/^\uFEFF/, ''));
      const created = await http('POST', `${server().fhirBase}/${resource.resourceType}`, example.text);
      assert.equal(created.status, 201, JSON.stringify(created.body?.issue ?? created.body));
      const read = await http('GET', `${server().fhirBase}/${resource.resourceType}/${created.body.id}`);
      assert.deepEqual(withoutMeta(read.body), withoutMeta(resource));
    });
  }
});
