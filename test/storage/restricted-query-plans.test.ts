import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  extractSearchIndex, generatePatientRecord, generateSharedResources, parseSearchClause, parseSearchRequest, type SearchClause, type SearchRequest,
} from '../../src/model/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, testEngines, type TestEngine } from '../harness/engines.js';

/**
 * An access restriction (a patient/ token's compartment, a granular scope's query) is compiled
 * into the search: a patient-scoped search is driven from sp_reference by the compartment and
 * never reads the whole type, however many patients the store holds; results and totals are
 * exactly what the restriction admits.
 */
const PATIENTS = 300;
const SEED = 5;
const X = `pat-${SEED}-7`;
const PROBLEM = 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';

const SCAN: Record<TestEngine, RegExp> = {
  sqlite: /^\s*SCAN (r|t|s|resources|sp_\w+)\b/,
  postgres: /Seq Scan on (resources|sp_\w+)/,
};

const clause = (type: string, name: string, value: string): SearchClause => {
  const parsed = parseSearchClause(type, name, value, { now: Date.now(), localBase: undefined });
  assert.ok(typeof parsed === 'object');
  return parsed;
};

function restricted(search: string, alternatives: { compartment?: string; clauses: [string, string][] }[]): SearchRequest {
  const [type, query] = search.split('?') as [string, string | undefined];
  const request = parseSearchRequest(type, [...new URLSearchParams(query ?? '')]);
  request.restriction = { anyOf: alternatives.map((a) => ({ ...(a.compartment ? { compartment: a.compartment } : {}), clauses: a.clauses.map(([n, v]) => clause(type, n, v)) })) };
  return request;
}

const CASES: { name: string; request: () => SearchRequest }[] = [
  { name: 'Condition, patient/ compartment', request: () => restricted('Condition', [{ compartment: X, clauses: [] }]) },
  { name: 'Observation?code=…, patient/ compartment', request: () => restricted('Observation?code=http://loinc.org|8867-4', [{ compartment: X, clauses: [] }]) },
  { name: 'Condition, patient/ granular category', request: () => restricted('Condition', [{ compartment: X, clauses: [['category', PROBLEM]] }]) },
  { name: 'Condition, two granular scopes ORed', request: () => restricted('Condition', [{ compartment: X, clauses: [['category', PROBLEM]] }, { compartment: X, clauses: [['clinical-status', 'active']] }]) },
  { name: 'Patient, patient/ compartment', request: () => restricted('Patient', [{ compartment: X, clauses: [] }]) },
];

for (const engine of testEngines()) {
  describe(`restricted search plans and results [${engine}]`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      const created = await createTestDatabase(engine);
      cleanup = created.drop;
      store = openStore(created.url, { sqliteSynchronous: 'normal' });
      await store.migrate();
      await load(store);
      if (engine === 'postgres') await analyze(created.url);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    for (const c of CASES) {
      test(`${c.name}: driven by the index, no scan`, async () => {
        const plan = await store.explainSearch(c.request());
        const text = plan.join('\n');
        for (const line of plan) assert.doesNotMatch(line, SCAN[engine], text);
      });
    }

    test('results and totals are exactly the compartment\'s, and granular clauses narrow them', async () => {
      const all = restricted('Condition?_total=accurate&_count=1000', [{ compartment: X, clauses: [] }]);
      const result = await store.search(all);
      const unrestricted = await store.search(parseSearchRequest('Condition', [['patient', `Patient/${X}`], ['_count', '1000'], ['_total', 'accurate']]));
      assert.ok(result.matches.length > 0);
      assert.deepEqual(result.matches.map((m) => m.id).sort(), unrestricted.matches.map((m) => m.id).sort());
      assert.equal(result.total, unrestricted.total);
      const problems = await store.search(restricted('Condition?_count=1000', [{ compartment: X, clauses: [['category', PROBLEM]] }]));
      for (const match of problems.matches) assert.match(match.json!, /problem-list-item/);
      assert.ok(problems.matches.length < result.matches.length || result.matches.every((m) => m.json!.includes('problem-list-item')));
      const nothing = await store.search(restricted('Condition', []));
      assert.equal(nothing.matches.length, 0);
    });

    test('included resources are confined per type; a type not listed is never included', async () => {
      const request = restricted(`Condition?_include=Condition:subject&_include=Condition:asserter`, [{ compartment: X, clauses: [] }]);
      request.includeRestriction = { Patient: { anyOf: [{ compartment: 'someone-else', clauses: [] }] } };
      const result = await store.search(request);
      assert.ok(result.matches.length > 0);
      assert.deepEqual(result.included, []);
      request.includeRestriction = { Patient: { anyOf: [{ compartment: X, clauses: [] }] } };
      const again = await store.search(request);
      assert.deepEqual(again.included.map((v) => `${v.resourceType}/${v.id}`), [`Patient/${X}`]);
    });
  });
}

async function load(store: Store): Promise<void> {
  const resources = [...generateSharedResources(SEED)];
  for (let i = 0; i < PATIENTS; i++) resources.push(...generatePatientRecord(i, SEED));
  for (let start = 0; start < resources.length; start += 1000) {
    await store.transaction(async (tx) => {
      for (const resource of resources.slice(start, start + 1000)) {
        await tx.writeVersion({ resourceType: resource.resourceType, id: resource.id!, versionId: 1, lastUpdated: Date.now(), json: JSON.stringify(resource), index: extractSearchIndex(resource) });
      }
    });
  }
}

async function analyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('ANALYZE');
  await client.end();
}
