import { it } from 'node:test';
import assert from 'node:assert/strict';
import { generatePatientRecord } from '../synthetic/index.js';
import { checkJsonRules } from './check-json-rules.js';
import { validateWithMedplum } from './medplum-oracle.js';
import { validateResource } from './validate-resource.js';

/**
 * Micro-benchmark, printed and not asserted (timings depend on the machine): µs per resource for
 * validateResource, and for the Medplum validator it replaced (with the same JSON rules in front).
 * The write path's budget is 40 µs per typical resource (2,500 creates/s on 2 cores).
 */

type Json = Record<string, unknown>;

/** A Patient like the specification's example, narrative included. */
const examplePatient: Json = {
  resourceType: 'Patient',
  id: 'example',
  meta: { versionId: '1', lastUpdated: '2024-01-01T00:00:00Z' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Peter James <b>Chalmers</b> ("Jim")</p></div>' },
  identifier: [{ use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345', period: { start: '2001-05-06' } }],
  active: true,
  name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }, { use: 'usual', given: ['Jim'] }],
  telecom: [{ system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 }],
  gender: 'male',
  birthDate: '1974-12-25',
  _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1974-12-25T14:35:45-05:00' }] },
  deceasedBoolean: false,
  address: [{ use: 'home', type: 'both', text: '534 Erewhon St PeasantVille, Rainbow, Vic  3999', line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999' }],
  contact: [{ relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] }], name: { family: 'du Marché', given: ['Bénédicte'] }, gender: 'female' }],
  managingOrganization: { reference: 'Organization/1' },
};

function microseconds(resources: Json[], validate: (r: Json) => unknown, rounds: number): number {
  for (let i = 0; i < Math.min(rounds, 200); i++) validate(resources[i % resources.length] as Json);
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) validate(resources[i % resources.length] as Json);
  return Number(process.hrtime.bigint() - started) / rounds / 1000;
}

it('prints µs per resource: validateResource vs Medplum', (t) => {
  const records = Array.from({ length: 10 }, (_, i) => generatePatientRecord(i, 11)).flat() as unknown as Json[];
  const ofType = (type: string) => records.filter((r) => r.resourceType === type);
  const samples: [string, Json[]][] = [
    ['Patient (example, narrative)', [examplePatient]],
    ['Patient (synthetic)', ofType('Patient')],
    ['Condition (synthetic)', ofType('Condition')],
    ['Observation (synthetic)', ofType('Observation')],
  ];
  const medplum = (r: Json) => [...checkJsonRules(r, String(r.resourceType)).issues, ...(validateWithMedplum(r) ?? [])];
  for (const [name, resources] of samples) {
    assert.ok(resources.length > 0 && resources.every((r) => validateResource(r).length === 0), name);
    const ours = microseconds(resources, validateResource, 20_000);
    const theirs = microseconds(resources, medplum, 300);
    t.diagnostic(`${name.padEnd(30)} validateResource ${ours.toFixed(1).padStart(6)} µs   Medplum ${theirs.toFixed(0).padStart(5)} µs`);
  }
});
