import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Resource } from '../../src/model/index.js';
import { http } from '../harness/fhir-http.js';
import { assertSameIds, putAll, searchIds } from '../harness/fhir-search.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * R4 search §3.1.1.4 reference (search.html#reference): Type/id, id, absolute URLs (ours and
 * another server's), `:[type]`, `:identifier`, `:missing`; chaining (search.html#chaining),
 * `_has` (search.html#has) and the Patient compartment (R4 §3.1.1.2, compartmentdefinition-patient).
 */
const MRN = 'https://handover.example.org/fhir/sid/mrn';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ref = (reference: string) => ({ reference });

function condition(id: string, subject: object, category: string, code: string, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'Condition', id, subject,
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { coding: [{ system: SNOMED, code }] },
    ...extra,
  };
}

function data(base: string): Resource[] {
  return [
    { resourceType: 'Organization', id: 'org-1', name: 'Riverside Family Practice' },
    { resourceType: 'Practitioner', id: 'prac-1', name: [{ family: 'Okafor', given: ['Samuel'] }] },
    {
      resourceType: 'PractitionerRole', id: 'role-1', active: true, practitioner: ref('Practitioner/prac-1'), organization: ref('Organization/org-1'),
      code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] }],
    },
    {
      resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Alpha', given: ['Ada'] }], birthDate: '1958-03-14',
      generalPractitioner: [ref('Practitioner/prac-1')], managingOrganization: ref('Organization/org-1'),
    },
    { resourceType: 'Patient', id: 'pat-b', name: [{ family: 'Beta', given: ['Ben'] }], birthDate: '1990-07-01' },
    // A Group that happens to share the Patient's id: only type-aware matching keeps them apart.
    { resourceType: 'Group', id: 'pat-a', type: 'person', actual: true, member: [{ entity: ref('Patient/pat-a') }, { entity: ref('Patient/pat-b') }] },
    { resourceType: 'Encounter', id: 'enc-a', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-1'), participant: [{ individual: ref('Practitioner/prac-1') }] },
    condition('c-a1', ref('Patient/pat-a'), 'problem-list-item', '44054006', { encounter: ref('Encounter/enc-a'), asserter: ref('Practitioner/prac-1') }),
    condition('c-a2', ref(`${base}/Patient/pat-a`), 'encounter-diagnosis', '38341003'),
    condition('c-b1', ref('Patient/pat-b'), 'problem-list-item', '38341003'),
    condition('c-ext', ref('https://other.example/fhir/Patient/pat-a'), 'problem-list-item', '44054006'),
    condition('c-ident', { identifier: { system: MRN, value: 'MRN-77' }, display: 'Patient known by MRN only' }, 'problem-list-item', '195967001'),
    condition('c-group', ref('Group/pat-a'), 'problem-list-item', '195967001'),
    {
      resourceType: 'Observation', id: 'obs-group', status: 'final', subject: ref('Group/pat-a'),
      code: { coding: [{ system: LOINC, code: '4548-4' }] },
    },
    {
      resourceType: 'Provenance', id: 'prov-1', target: [ref('Condition/c-a1'), ref('Patient/pat-a')], recorded: '2025-06-17T14:40:00Z',
      agent: [{ who: ref('Practitioner/prac-1') }],
    },
    {
      resourceType: 'AuditEvent', id: 'ae-1', recorded: '2025-06-17T15:00:00Z', action: 'R',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      agent: [{ who: ref('Practitioner/prac-1'), requestor: true }],
      source: { observer: ref('Organization/org-1') },
      entity: [{ what: ref('Patient/pat-a') }],
    },
    {
      resourceType: 'Consent', id: 'cons-1', status: 'active', dateTime: '2025-06-17', patient: ref('Patient/pat-a'),
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: LOINC, code: '59284-0' }] }],
      performer: [ref('Patient/pat-a')], organization: [ref('Organization/org-1')],
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'permit', actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: ref('Organization/org-1') }] },
    },
  ];
}

describeEachEngine('search: references, chains, _has and the Patient compartment', (server) => {
  const ids = (path: string) => searchIds(server().fhirBase, path);
  before(async () => putAll(server().fhirBase, data(server().fhirBase)));

  test('Type/id, id and :[type] match our resource, however the reference was written', async () => {
    assertSameIds(await ids('Condition?subject=Patient/pat-a'), ['c-a1', 'c-a2']);
    assertSameIds(await ids('Condition?patient=Patient/pat-a'), ['c-a1', 'c-a2']);
    assertSameIds(await ids('Condition?subject:Patient=pat-a'), ['c-a1', 'c-a2']);
    assertSameIds(await ids('Condition?subject:Group=pat-a'), ['c-group']);
    // A bare id matches whatever type the parameter points to.
    assertSameIds(await ids('Condition?subject=pat-a'), ['c-a1', 'c-a2', 'c-group']);
    assertSameIds(await ids('Condition?subject=Patient/pat-a,Patient/pat-b'), ['c-a1', 'c-a2', 'c-b1']);
  });

  test('an absolute URL on our base is our resource; one on another server is matched as written', async () => {
    assertSameIds(await ids(`Condition?subject=${server().fhirBase}/Patient/pat-a`), ['c-a1', 'c-a2']);
    assertSameIds(await ids('Condition?subject=https://other.example/fhir/Patient/pat-a'), ['c-ext']);
    // A conditional create reads its criteria the same way: one match (the foreign one), so no create.
    const conditional = await http('POST', `${server().fhirBase}/Condition`, condition('unused', ref('Patient/pat-b'), 'problem-list-item', '44054006'), {
      'if-none-exist': `subject=${encodeURIComponent('https://other.example/fhir/Patient/pat-a')}&code=44054006`,
    });
    assert.equal(conditional.status, 200, conditional.text);
    assert.equal(conditional.body.id, 'c-ext');
  });

  test(':identifier matches Reference.identifier (a logical reference)', async () => {
    assertSameIds(await ids(`Condition?subject:identifier=${MRN}|MRN-77`), ['c-ident']);
    assertSameIds(await ids('Condition?subject:identifier=MRN-77'), ['c-ident']);
    assertSameIds(await ids(`Condition?subject:identifier=${MRN}|MRN-78`), []);
  });

  test(':missing on references', async () => {
    assertSameIds(await ids('Condition?encounter:missing=false'), ['c-a1']);
    // A reference given only by identifier is still a value.
    assertSameIds(await ids('Condition?subject:missing=true'), []);
    assertSameIds(await ids('Condition?subject:missing=false&code=195967001'), ['c-ident', 'c-group']);
    assertSameIds(await ids('Condition?asserter:missing=true&subject=Patient/pat-a'), ['c-a2']);
    assertSameIds(await ids('Patient?general-practitioner:missing=true'), ['pat-b']);
  });

  test('reference searches on the directory and the workflow resources', async () => {
    assertSameIds(await ids('PractitionerRole?practitioner=Practitioner/prac-1&organization=org-1&role=doctor'), ['role-1']);
    assertSameIds(await ids('Patient?general-practitioner=Practitioner/prac-1&organization=Organization/org-1'), ['pat-a']);
    assertSameIds(await ids('Encounter?service-provider=Organization/org-1&participant=prac-1'), ['enc-a']);
    assertSameIds(await ids('Group?member=Patient/pat-b'), ['pat-a']);
    assertSameIds(await ids('Provenance?target=Condition/c-a1&agent=Practitioner/prac-1'), ['prov-1']);
    assertSameIds(await ids('Provenance?patient=pat-a'), ['prov-1']);
    assertSameIds(await ids('AuditEvent?agent=Practitioner/prac-1&entity=Patient/pat-a&source=Organization/org-1'), ['ae-1']);
    assertSameIds(await ids('AuditEvent?patient=pat-a&action=R'), ['ae-1']);
    assertSameIds(await ids(`Consent?patient=pat-a&status=active&category=${LOINC}|59284-0&organization=Organization/org-1`), ['cons-1']);
    assertSameIds(await ids('Consent?actor=Organization/org-1&scope=patient-privacy'), ['cons-1']);
  });

  test('chaining one level: subject:Patient.name, patient.birthdate, and on other types', async () => {
    assertSameIds(await ids('Condition?subject:Patient.name=alpha'), ['c-a1', 'c-a2']);
    assertSameIds(await ids('Condition?patient.birthdate=1990'), ['c-b1']);
    assertSameIds(await ids('Condition?patient.birthdate=lt1960&category=problem-list-item'), ['c-a1']);
    assertSameIds(await ids('Encounter?service-provider.name=riverside'), ['enc-a']);
    assertSameIds(await ids('PractitionerRole?practitioner.name=okafor'), ['role-1']);
    assertSameIds(await ids('Condition?encounter.status=finished'), ['c-a1']);
    assertSameIds(await ids('Condition?subject:Patient.name=nobody'), []);
  });

  test('_has: resources that matching resources point to, of the searched type only', async () => {
    assertSameIds(await ids(`Patient?_has:Condition:patient:code=${SNOMED}|44054006`), ['pat-a']);
    assertSameIds(await ids(`Patient?_has:Condition:subject:code=${SNOMED}|38341003`), ['pat-a', 'pat-b']);
    assertSameIds(await ids('Practitioner?_has:PractitionerRole:practitioner:role=doctor'), ['prac-1']);
    // obs-group points at Group/pat-a, not at Patient/pat-a.
    assertSameIds(await ids(`Patient?_has:Observation:subject:code=${LOINC}|4548-4`), []);
    assertSameIds(await ids(`Group?_has:Observation:subject:code=${LOINC}|4548-4`), ['pat-a']);
  });

  test('Patient compartment: /Patient/id/Type with and without criteria', async () => {
    const base = server().fhirBase;
    assertSameIds(await searchIds(base, 'Patient/pat-a/Condition'), ['c-a1', 'c-a2']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/Condition?category=problem-list-item'), ['c-a1']);
    assertSameIds(await searchIds(base, 'Patient/pat-b/Condition'), ['c-b1']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/Encounter'), ['enc-a']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/Provenance'), ['prov-1']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/AuditEvent'), ['ae-1']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/Consent'), ['cons-1']);
    assertSameIds(await searchIds(base, 'Patient/pat-a/Group'), ['pat-a']);
    // Organizations are not in a patient's compartment.
    assertSameIds(await searchIds(base, 'Patient/pat-a/Organization'), []);
    assertSameIds(await searchIds(base, 'Patient/nobody/Condition'), []);
  });
});
