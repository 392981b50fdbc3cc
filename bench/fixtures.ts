/** Request bodies the benchmark sends: small, realistic, valid R4. */
export const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
  name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
  gender: 'male',
  birthDate: '1974-12-25',
  address: [{ line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999' }],
};

export function condition(patientId: string, category: 'problem-list-item' | 'encounter-diagnosis' = 'problem-list-item') {
  return {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: category }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: '2019-03-14',
  };
}

/** 50 entries: 10 patients, each with 4 conditions pointing at it through urn:uuid references. */
export function transactionBundle() {
  const entry: unknown[] = [];
  for (let p = 0; p < 10; p++) {
    const fullUrl = `urn:uuid:00000000-0000-4000-8000-${String(p).padStart(12, '0')}`;
    entry.push({ fullUrl, resource: patient, request: { method: 'POST', url: 'Patient' } });
    for (let c = 0; c < 4; c++) {
      const resource = { ...condition('x'), subject: { reference: fullUrl } };
      entry.push({ resource, request: { method: 'POST', url: 'Condition' } });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
