import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { extractSearchIndex, generatePatientRecord, generateSharedResources, parseSearchRequest } from '../../src/model/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { testEngines, type TestEngine, createTestDatabase } from '../harness/engines.js';

/**
 * The common clinical searches must be driven by the search index, not by reading a whole type:
 * on a few hundred synthetic charts, each search's plan (Store.explainSearch) must use the
 * sp_* (or, for _lastUpdated, the resources) indexes and never scan `resources`.
 * HANDOVER_WRITE_PLANS=1 also writes the plans to docs/query-plans.md.
 */
const PATIENTS = 300;
const SEED = 3;
const X = `pat-${SEED}-7`;
/** Versions are written one second apart from here, so `_lastUpdated=gt…` can ask for the newest. */
const LOADED_FROM = Date.parse('2025-01-01T00:00:00Z');

interface PlanCase {
  search: string;
  /** Index names the plan must use (any one of each inner list). */
  uses: string[];
}

const CASES: PlanCase[] = [
  { search: `Condition?patient=${X}&category=problem-list-item`, uses: ['sp_reference_lookup', 'sp_token_rid'] },
  { search: `Observation?patient=${X}&code=http://loinc.org|8867-4&date=ge2020`, uses: ['sp_reference_lookup', 'sp_token_rid', 'sp_date_rid'] },
  { search: 'Condition?code=http://snomed.info/sct|44054006', uses: ['sp_token_lookup'] },
  // "What changed since my last poll": the newest few of thousands of resources.
  { search: 'Condition?_lastUpdated=gt2025-01-01T02:30:00Z', uses: ['resources_type_updated'] },
  { search: `MedicationRequest?patient=${X}&status=active`, uses: ['sp_reference_lookup', 'sp_token_rid'] },
];

/** A scan of `resources` (or of an index table) would read rows unrelated to the search. */
const SCAN: Record<TestEngine, RegExp> = {
  sqlite: /^\s*SCAN (r|t|s|resources|sp_\w+)\b/,
  postgres: /Seq Scan on (resources|sp_\w+)/,
};

const written: Partial<Record<TestEngine, { search: string; plan: string[] }[]>> = {};

for (const engine of testEngines()) {
  describe(`query plans [${engine}]`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      const created = await createTestDatabase(engine);
      const url = created.url;
      cleanup = created.drop;
      store = openStore(url, { sqliteSynchronous: 'normal' });
      await store.migrate();
      await load(store);
      // PostgreSQL plans from statistics: gather them, as autovacuum would on a live server. At
      // this size (~9,000 resources, ~150,000 index rows) the planner prefers the indexes by
      // itself, so enable_seqscan stays on. SQLite plans without statistics (see choose-driver.ts).
      if (engine === 'postgres') await analyze(url);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    for (const c of CASES) {
      test(`${c.search} uses ${c.uses.join(', ')} and scans nothing`, async () => {
        const [type, query] = c.search.split('?');
        const plan = await store.explainSearch(parseSearchRequest(type!, [...new URLSearchParams(query)]));
        (written[engine] ??= []).push({ search: c.search, plan });
        const text = plan.join('\n');
        for (const line of plan) assert.doesNotMatch(line, SCAN[engine], text);
        for (const index of c.uses) assert.ok(text.includes(index), `expected ${index} in\n${text}`);
        // The matches are reached through an index on resources (its key, or a type index).
        assert.match(text, /INTEGER PRIMARY KEY|resources_pkey|resources_type_updated/, text);
      });
    }
  });
}

after(() => {
  if (process.env.HANDOVER_WRITE_PLANS !== '1') return;
  assert.ok(written.sqlite && written.postgres, 'docs/query-plans.md needs both engines: run with PostgreSQL reachable');
  writeFileSync(new URL('../../docs/query-plans.md', import.meta.url), renderPlans(written.sqlite, written.postgres));
});

async function load(store: Store): Promise<void> {
  const resources = [...generateSharedResources(SEED)];
  for (let i = 0; i < PATIENTS; i++) resources.push(...generatePatientRecord(i, SEED));
  for (let start = 0; start < resources.length; start += 1000) {
    await store.transaction(async (tx) => {
      for (const [offset, resource] of resources.slice(start, start + 1000).entries()) {
        await tx.writeVersion({
          resourceType: resource.resourceType, id: resource.id!, versionId: 1, lastUpdated: LOADED_FROM + (start + offset) * 1000,
          json: JSON.stringify(resource), index: extractSearchIndex(resource),
        });
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

function renderPlans(sqlite: { search: string; plan: string[] }[], postgres: { search: string; plan: string[] }[]): string {
  const lines = [
    '# Query plans of the common searches',
    '',
    '<!-- Generated by test/storage/query-plans.test.ts with HANDOVER_WRITE_PLANS=1; do not edit. -->',
    '',
    `${PATIENTS} synthetic charts (seed ${SEED}, about ${PATIENTS * 31} resources) on each engine. The test asserts that`,
    'every plan reaches its matches through the search index (`sp_*_lookup` for the clause the',
    'search is driven by, `sp_*_rid` probes for the others, `resources_type_updated` for',
    '`_lastUpdated`) and that nothing scans `resources` or an index table. PostgreSQL runs `ANALYZE`',
    'first and keeps `enable_seqscan` on; SQLite has no statistics, so the SQL names the driving',
    'clause itself (`src/storage/sql/choose-driver.ts`).',
    '',
  ];
  for (const [engine, plans, explain] of [['SQLite', sqlite, 'EXPLAIN QUERY PLAN'], ['PostgreSQL', postgres, 'EXPLAIN (COSTS OFF)']] as const) {
    lines.push(`## ${engine} (\`${explain}\`)`, '');
    for (const { search, plan } of plans) lines.push(`### \`${search}\``, '', '```', ...plan, '```', '');
  }
  return lines.join('\n');
}
