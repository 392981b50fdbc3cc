/**
 * Canonical code system URIs used by the synthetic data (FHIR R4 §4.3 "Using Codes", and the
 * HL7 Terminology (THO) CodeSystems the R4 base value sets bind to).
 */
export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  bcp47: 'urn:ietf:bcp:47',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  observationInterpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  maritalStatus: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
  routeOfAdministration: 'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration',
  actSite: 'http://terminology.hl7.org/CodeSystem/v3-ActSite',
  timingAbbreviation: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation',
  doseRateType: 'http://terminology.hl7.org/CodeSystem/dose-rate-type',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  medicationStatementCategory: 'http://terminology.hl7.org/CodeSystem/medication-statement-category',
  medicationRequestCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
} as const;

/**
 * The namespace of the medical record numbers the synthetic patients carry. Under example.org
 * (RFC 2606), so it can never collide with a real assigning authority.
 */
export const MRN_SYSTEM = 'https://handover.example.org/fhir/sid/mrn';
