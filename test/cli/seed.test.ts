import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli, spawnServer } from '../harness/cli.js';
import { createTestDatabase, testEngines } from '../harness/engines.js';
import { freePort } from '../harness/test-server.js';

for (const engine of testEngines()) {
  describe(`handover seed [${engine}]`, () => {
    test('loads deterministic patients through the write path, with progress, visible in search and history', async () => {
      const created = await createTestDatabase(engine);
      const db = created.url;
      const cleanup = created.drop;
      try {
        const result = await runCli(['seed', '--patients', '12', '--seed', '5', '--db', db]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /seeding \|/, 'a progress bar on stderr');
        assert.match(result.stdout, /seeded 12 patients \(\d+ resources\)/);
        const server = await spawnServer(['--port', String(await freePort()), '--db', db, '--sample-data', 'false']);
        try {
          const patient = await (await server.fetch(`${server.url}/fhir/Patient/pat-5-0`)).json();
          assert.equal(patient.resourceType, 'Patient');
          const patients = await (await server.fetch(`${server.url}/fhir/Patient?_summary=count`)).json();
          assert.equal(patients.total, 12);
          const problems = await (await server.fetch(`${server.url}/fhir/Condition?patient=pat-5-3&_count=100`)).json();
          assert.ok(problems.entry?.length > 0, 'conditions are searchable by patient');
          const history = await (await server.fetch(`${server.url}/fhir/Patient/_history?_count=100`)).json();
          assert.equal(history.entry.length, 12, 'the change log saw every patient');
        } finally {
          server.child.kill('SIGTERM');
          await server.exited;
        }
        const again = await runCli(['seed', '--patients', '2', '--seed', '5', '--db', db]);
        assert.equal(again.code, 0);
        const bad = await runCli(['seed', '--patients', 'many', '--db', db]);
        assert.equal(bad.code, 2);
      } finally {
        await cleanup();
      }
    });
  });
}
