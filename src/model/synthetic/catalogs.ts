/**
 * Clinical catalogs for the synthetic data: what a primary-care chart in the United States
 * typically holds, coded the way a US EHR codes it — SNOMED CT and ICD-10-CM for problems, RxNorm
 * clinical drugs (SCD) for medications, LOINC + UCUM for measurements, SNOMED CT substances for
 * allergies, CVX for vaccines. Displays are the terminologies' own names, so a clinician reading
 * the data recognises every entry. No entry describes a real person.
 */
export interface Concept {
  readonly code: string;
  readonly display: string;
}

export interface ConditionEntry {
  readonly key: string;
  readonly text: string;
  readonly snomed: Concept;
  readonly icd10: Concept;
}

export interface ChronicConditionEntry extends ConditionEntry {
  /** Prevalence by age band (18–44, 45–64, 65+), roughly as in US adult primary care. */
  readonly prevalence: readonly [number, number, number];
  /** Alternative regimens; one is chosen per patient. Keys into MEDICATIONS. */
  readonly regimens: readonly (readonly string[])[];
  /** Laboratory tests monitored for the condition. Keys into LABS. */
  readonly labs: readonly string[];
}

export const CHRONIC_CONDITIONS: readonly ChronicConditionEntry[] = [
  { key: 'diabetes', text: 'Type 2 diabetes mellitus', snomed: { code: '44054006', display: 'Type 2 diabetes mellitus' }, icd10: { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }, prevalence: [0.04, 0.15, 0.25], regimens: [['metformin-er-500']], labs: ['hba1c', 'glucose'] },
  { key: 'hypertension', text: 'Essential hypertension', snomed: { code: '59621000', display: 'Essential hypertension' }, icd10: { code: 'I10', display: 'Essential (primary) hypertension' }, prevalence: [0.12, 0.4, 0.6], regimens: [['lisinopril-10'], ['amlodipine-5'], ['hydrochlorothiazide-25']], labs: ['potassium'] },
  { key: 'hyperlipidemia', text: 'Hyperlipidemia', snomed: { code: '55822004', display: 'Hyperlipidemia' }, icd10: { code: 'E78.5', display: 'Hyperlipidemia, unspecified' }, prevalence: [0.08, 0.3, 0.45], regimens: [['atorvastatin-20'], ['atorvastatin-20'], ['simvastatin-20']], labs: ['lipids'] },
  { key: 'asthma', text: 'Asthma', snomed: { code: '195967001', display: 'Asthma' }, icd10: { code: 'J45.909', display: 'Unspecified asthma, uncomplicated' }, prevalence: [0.09, 0.08, 0.07], regimens: [['albuterol-hfa'], ['albuterol-hfa', 'fluticasone-hfa']], labs: [] },
  { key: 'hypothyroidism', text: 'Hypothyroidism', snomed: { code: '40930008', display: 'Hypothyroidism' }, icd10: { code: 'E03.9', display: 'Hypothyroidism, unspecified' }, prevalence: [0.03, 0.07, 0.12], regimens: [['levothyroxine-50']], labs: ['tsh'] },
  { key: 'depression', text: 'Depression', snomed: { code: '35489007', display: 'Depressive disorder' }, icd10: { code: 'F32.A', display: 'Depression, unspecified' }, prevalence: [0.1, 0.09, 0.07], regimens: [[]], labs: [] },
  { key: 'osteoarthritis', text: 'Osteoarthritis', snomed: { code: '396275006', display: 'Osteoarthritis' }, icd10: { code: 'M19.90', display: 'Unspecified osteoarthritis, unspecified site' }, prevalence: [0.02, 0.12, 0.3], regimens: [[]], labs: [] },
  { key: 'gerd', text: 'Gastroesophageal reflux disease', snomed: { code: '235595009', display: 'Gastroesophageal reflux disease' }, icd10: { code: 'K21.9', display: 'Gastro-esophageal reflux disease without esophagitis' }, prevalence: [0.06, 0.1, 0.12], regimens: [[]], labs: [] },
  { key: 'migraine', text: 'Migraine', snomed: { code: '37796009', display: 'Migraine' }, icd10: { code: 'G43.909', display: 'Migraine, unspecified, not intractable, without status migrainosus' }, prevalence: [0.08, 0.06, 0.02], regimens: [[]], labs: [] },
  { key: 'ckd3', text: 'Chronic kidney disease stage 3', snomed: { code: '433144002', display: 'Chronic kidney disease stage 3' }, icd10: { code: 'N18.30', display: 'Chronic kidney disease, stage 3 unspecified' }, prevalence: [0.005, 0.04, 0.14], regimens: [[]], labs: ['egfr'] },
  { key: 'copd', text: 'Chronic obstructive pulmonary disease', snomed: { code: '13645005', display: 'Chronic obstructive lung disease' }, icd10: { code: 'J44.9', display: 'Chronic obstructive pulmonary disease, unspecified' }, prevalence: [0.01, 0.06, 0.1], regimens: [['albuterol-hfa']], labs: [] },
  { key: 'atrial-fibrillation', text: 'Atrial fibrillation', snomed: { code: '49436004', display: 'Atrial fibrillation' }, icd10: { code: 'I48.91', display: 'Unspecified atrial fibrillation' }, prevalence: [0.002, 0.02, 0.09], regimens: [['apixaban-5']], labs: [] },
];

/** Added to the problem list from the measured BMI, not drawn at random. */
export const OBESITY: ChronicConditionEntry = { key: 'obesity', text: 'Obesity', snomed: { code: '414916001', display: 'Obesity' }, icd10: { code: 'E66.9', display: 'Obesity, unspecified' }, prevalence: [0, 0, 0], regimens: [], labs: [] };

/** Self-limited problems diagnosed at a visit (category encounter-diagnosis). */
export const ACUTE_CONDITIONS: readonly ConditionEntry[] = [
  { key: 'bronchitis', text: 'Acute bronchitis', snomed: { code: '10509002', display: 'Acute bronchitis' }, icd10: { code: 'J20.9', display: 'Acute bronchitis, unspecified' } },
  { key: 'pharyngitis', text: 'Acute viral pharyngitis', snomed: { code: '195662009', display: 'Acute viral pharyngitis' }, icd10: { code: 'J02.9', display: 'Acute pharyngitis, unspecified' } },
  { key: 'sinusitis', text: 'Viral sinusitis', snomed: { code: '444814009', display: 'Viral sinusitis' }, icd10: { code: 'J01.90', display: 'Acute sinusitis, unspecified' } },
  { key: 'uti', text: 'Urinary tract infection', snomed: { code: '68566005', display: 'Urinary tract infectious disease' }, icd10: { code: 'N39.0', display: 'Urinary tract infection, site not specified' } },
  { key: 'low-back-pain', text: 'Low back pain', snomed: { code: '279039007', display: 'Low back pain' }, icd10: { code: 'M54.50', display: 'Low back pain, unspecified' } },
  { key: 'ankle-sprain', text: 'Sprain of ankle', snomed: { code: '44465007', display: 'Sprain of ankle' }, icd10: { code: 'S93.409A', display: 'Sprain of unspecified ligament of unspecified ankle, initial encounter' } },
  { key: 'otitis-media', text: 'Otitis media', snomed: { code: '65363002', display: 'Otitis media' }, icd10: { code: 'H66.90', display: 'Otitis media, unspecified, unspecified ear' } },
];

export interface MedicationEntry {
  readonly key: string;
  readonly rxnorm: Concept;
  /** Shared Medication resources are referenced (medicationReference); others are coded inline. */
  readonly shared: boolean;
  readonly instruction: string;
  readonly route: Concept;
  readonly dose: { readonly value: number; readonly unit: string; readonly code: string };
  readonly timing: { readonly frequency: number; readonly period: number; readonly periodMax?: number; readonly periodUnit: 'h' | 'd'; readonly when?: readonly string[]; readonly code: string };
  /** SNOMED CT finding for "as needed for …" (Dosage.asNeededCodeableConcept). */
  readonly asNeededFor?: Concept;
  /** Units dispensed per fill. */
  readonly supply: number;
}

const ORAL: Concept = { code: '26643006', display: 'Oral route' };
const INHALED: Concept = { code: '447694001', display: 'Respiratory tract route' };
const TABLET = { value: 1, unit: 'tablet', code: '{tbl}' } as const;
const TWO_PUFFS = { value: 2, unit: 'puff', code: '{puff}' } as const;
const DAILY = { frequency: 1, period: 1, periodUnit: 'd', code: 'QD' } as const;
const PAIN: Concept = { code: '22253000', display: 'Pain' };

export const MEDICATIONS: readonly MedicationEntry[] = [
  { key: 'metformin-er-500', rxnorm: { code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet' }, shared: true, instruction: 'Take 1 tablet by mouth once daily with the evening meal', route: ORAL, dose: TABLET, timing: { ...DAILY, when: ['CV'] }, supply: 90 },
  { key: 'lisinopril-10', rxnorm: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' }, shared: true, instruction: 'Take 1 tablet by mouth once daily', route: ORAL, dose: TABLET, timing: DAILY, supply: 90 },
  { key: 'atorvastatin-20', rxnorm: { code: '617310', display: 'atorvastatin 20 MG Oral Tablet' }, shared: true, instruction: 'Take 1 tablet by mouth once daily at bedtime', route: ORAL, dose: TABLET, timing: { ...DAILY, when: ['HS'], code: 'BED' }, supply: 90 },
  { key: 'albuterol-hfa', rxnorm: { code: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' }, shared: true, instruction: 'Inhale 2 puffs by mouth every 4 to 6 hours as needed for wheezing or shortness of breath', route: INHALED, dose: TWO_PUFFS, timing: { frequency: 1, period: 4, periodMax: 6, periodUnit: 'h', code: 'Q4H' }, asNeededFor: { code: '56018004', display: 'Wheezing' }, supply: 200 },
  { key: 'levothyroxine-50', rxnorm: { code: '966222', display: 'levothyroxine sodium 0.05 MG Oral Tablet' }, shared: true, instruction: 'Take 1 tablet by mouth once daily in the morning on an empty stomach, 30 minutes before breakfast', route: ORAL, dose: TABLET, timing: { ...DAILY, when: ['ACM'], code: 'AM' }, supply: 90 },
  { key: 'amlodipine-5', rxnorm: { code: '197361', display: 'amlodipine 5 MG Oral Tablet' }, shared: true, instruction: 'Take 1 tablet by mouth once daily', route: ORAL, dose: TABLET, timing: DAILY, supply: 90 },
  { key: 'hydrochlorothiazide-25', rxnorm: { code: '310798', display: 'hydrochlorothiazide 25 MG Oral Tablet' }, shared: false, instruction: 'Take 1 tablet by mouth once daily in the morning', route: ORAL, dose: TABLET, timing: { ...DAILY, when: ['MORN'], code: 'AM' }, supply: 90 },
  { key: 'simvastatin-20', rxnorm: { code: '312961', display: 'simvastatin 20 MG Oral Tablet' }, shared: false, instruction: 'Take 1 tablet by mouth once daily in the evening', route: ORAL, dose: TABLET, timing: { ...DAILY, when: ['EVE'], code: 'PM' }, supply: 90 },
  { key: 'fluticasone-hfa', rxnorm: { code: '895994', display: '120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler' }, shared: false, instruction: 'Inhale 2 puffs by mouth twice daily; rinse mouth after each use', route: INHALED, dose: TWO_PUFFS, timing: { frequency: 2, period: 1, periodUnit: 'd', code: 'BID' }, supply: 120 },
  { key: 'apixaban-5', rxnorm: { code: '1364445', display: 'apixaban 5 MG Oral Tablet' }, shared: false, instruction: 'Take 1 tablet by mouth twice daily', route: ORAL, dose: TABLET, timing: { frequency: 2, period: 1, periodUnit: 'd', code: 'BID' }, supply: 180 },
  // Over-the-counter products the patient reports taking (MedicationStatement).
  { key: 'aspirin-81', rxnorm: { code: '243670', display: 'aspirin 81 MG Oral Tablet' }, shared: false, instruction: 'Take 1 tablet by mouth once daily', route: ORAL, dose: TABLET, timing: DAILY, supply: 90 },
  { key: 'acetaminophen-325', rxnorm: { code: '313782', display: 'acetaminophen 325 MG Oral Tablet' }, shared: false, instruction: 'Take 2 tablets by mouth every 6 hours as needed for pain; no more than 3,000 mg a day', route: ORAL, dose: { ...TABLET, value: 2 }, timing: { frequency: 1, period: 6, periodUnit: 'h', code: 'Q6H' }, asNeededFor: PAIN, supply: 100 },
  { key: 'ibuprofen-200', rxnorm: { code: '310965', display: 'ibuprofen 200 MG Oral Tablet' }, shared: false, instruction: 'Take 2 tablets by mouth every 6 to 8 hours as needed for pain, with food', route: ORAL, dose: { ...TABLET, value: 2 }, timing: { frequency: 1, period: 6, periodMax: 8, periodUnit: 'h', code: 'Q6H' }, asNeededFor: PAIN, supply: 100 },
];

export interface MeasureEntry {
  readonly loinc: Concept;
  readonly unit: string;
  readonly ucum: string;
}

/** LOINC vital signs, as the R4 Vital Signs profile (observation-vitalsigns) codes them. */
export const VITALS = {
  bloodPressure: { loinc: { code: '85354-9', display: 'Blood pressure panel with all children optional' }, unit: 'mmHg', ucum: 'mm[Hg]' },
  systolic: { loinc: { code: '8480-6', display: 'Systolic blood pressure' }, unit: 'mmHg', ucum: 'mm[Hg]' },
  diastolic: { loinc: { code: '8462-4', display: 'Diastolic blood pressure' }, unit: 'mmHg', ucum: 'mm[Hg]' },
  heartRate: { loinc: { code: '8867-4', display: 'Heart rate' }, unit: 'beats/minute', ucum: '/min' },
  respiratoryRate: { loinc: { code: '9279-1', display: 'Respiratory rate' }, unit: 'breaths/minute', ucum: '/min' },
  temperature: { loinc: { code: '8310-5', display: 'Body temperature' }, unit: 'Cel', ucum: 'Cel' },
  oxygenSaturation: { loinc: { code: '2708-6', display: 'Oxygen saturation in Arterial blood' }, unit: '%', ucum: '%' },
  weight: { loinc: { code: '29463-7', display: 'Body weight' }, unit: 'kg', ucum: 'kg' },
  height: { loinc: { code: '8302-2', display: 'Body height' }, unit: 'cm', ucum: 'cm' },
  bmi: { loinc: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]' }, unit: 'kg/m2', ucum: 'kg/m2' },
} as const satisfies Record<string, MeasureEntry>;

export interface LabEntry extends MeasureEntry {
  /** The short name a clinician uses (CodeableConcept.text). */
  readonly text: string;
  readonly low?: number;
  readonly high?: number;
  readonly decimals: number;
}

/** LOINC laboratory tests with adult reference intervals. */
export const LABS = {
  hba1c: { text: 'Hemoglobin A1c', loinc: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }, unit: '%', ucum: '%', low: 4, high: 5.6, decimals: 1 },
  glucose: { text: 'Glucose', loinc: { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }, unit: 'mg/dL', ucum: 'mg/dL', low: 70, high: 99, decimals: 0 },
  creatinine: { text: 'Creatinine', loinc: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' }, unit: 'mg/dL', ucum: 'mg/dL', low: 0.6, high: 1.3, decimals: 2 },
  egfr: { text: 'eGFR', loinc: { code: '33914-3', display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)' }, unit: 'mL/min/1.73m2', ucum: 'mL/min/{1.73_m2}', low: 60, decimals: 0 },
  potassium: { text: 'Potassium', loinc: { code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' }, unit: 'mmol/L', ucum: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
  sodium: { text: 'Sodium', loinc: { code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma' }, unit: 'mmol/L', ucum: 'mmol/L', low: 136, high: 145, decimals: 0 },
  cholesterol: { text: 'Total cholesterol', loinc: { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma' }, unit: 'mg/dL', ucum: 'mg/dL', high: 200, decimals: 0 },
  hdl: { text: 'HDL cholesterol', loinc: { code: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma' }, unit: 'mg/dL', ucum: 'mg/dL', low: 40, decimals: 0 },
  ldl: { text: 'LDL cholesterol', loinc: { code: '13457-7', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation' }, unit: 'mg/dL', ucum: 'mg/dL', high: 100, decimals: 0 },
  triglycerides: { text: 'Triglycerides', loinc: { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma' }, unit: 'mg/dL', ucum: 'mg/dL', high: 150, decimals: 0 },
  tsh: { text: 'TSH', loinc: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma' }, unit: 'mIU/L', ucum: 'm[IU]/L', low: 0.4, high: 4, decimals: 2 },
} as const satisfies Record<string, LabEntry>;

export type LabKey = keyof typeof LABS;

export interface AllergyEntry {
  readonly substance: Concept;
  readonly category: 'medication' | 'food' | 'environment';
  readonly criticality: 'low' | 'high';
  readonly reaction: Concept;
  readonly severity: 'mild' | 'moderate' | 'severe';
}

/** Allergen substances (SNOMED CT substance hierarchy) and a typical manifestation. */
export const ALLERGIES: readonly AllergyEntry[] = [
  { substance: { code: '764146007', display: 'Penicillin' }, category: 'medication', criticality: 'high', reaction: { code: '126485001', display: 'Urticaria' }, severity: 'moderate' },
  { substance: { code: '387406002', display: 'Sulfonamide' }, category: 'medication', criticality: 'low', reaction: { code: '271807003', display: 'Eruption of skin' }, severity: 'mild' },
  { substance: { code: '387494007', display: 'Codeine' }, category: 'medication', criticality: 'low', reaction: { code: '422587007', display: 'Nausea' }, severity: 'mild' },
  { substance: { code: '762952008', display: 'Peanut' }, category: 'food', criticality: 'high', reaction: { code: '39579001', display: 'Anaphylaxis' }, severity: 'severe' },
  { substance: { code: '111088007', display: 'Latex' }, category: 'environment', criticality: 'low', reaction: { code: '40275004', display: 'Contact dermatitis' }, severity: 'mild' },
];

export interface VaccineEntry {
  readonly key: string;
  readonly cvx: Concept;
}

/** CVX vaccine codes (CDC), with the CVX short descriptions. */
export const VACCINES = {
  influenza: { key: 'influenza', cvx: { code: '140', display: 'Influenza, seasonal, injectable, preservative free' } },
  covid19: { key: 'covid19', cvx: { code: '208', display: 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose' } },
  td: { key: 'td', cvx: { code: '113', display: 'Td (adult) preservative free' } },
  tdap: { key: 'tdap', cvx: { code: '115', display: 'Tdap' } },
  pcv20: { key: 'pcv20', cvx: { code: '216', display: 'Pneumococcal conjugate PCV20, polysaccharide CRM197, preservative free' } },
  zoster: { key: 'zoster', cvx: { code: '187', display: 'zoster vaccine recombinant' } },
} as const satisfies Record<string, VaccineEntry>;

/** Visit types (SNOMED CT procedures), used as Encounter.type. */
export const ENCOUNTER_TYPES = {
  checkUp: { code: '185349003', display: 'Encounter for check up' },
  followUp: { code: '390906007', display: 'Follow-up encounter' },
  symptom: { code: '185345009', display: 'Encounter for symptom' },
} as const satisfies Record<string, Concept>;

/** Common US given names (SSA popular-name lists across the 1940s–2000s) and surnames (US Census 2010). */
export const GIVEN_NAMES = {
  female: ['Mary', 'Patricia', 'Linda', 'Barbara', 'Susan', 'Karen', 'Nancy', 'Margaret', 'Lisa', 'Sandra', 'Michelle', 'Laura', 'Jennifer', 'Angela', 'Maria', 'Rosa', 'Mei', 'Aisha', 'Priya', 'Emily', 'Ashley', 'Jessica', 'Sarah', 'Hannah', 'Olivia', 'Sofia', 'Grace', 'Fatima', 'Keisha', 'Yesenia'],
  male: ['James', 'Robert', 'John', 'Michael', 'William', 'David', 'Richard', 'Joseph', 'Thomas', 'Charles', 'Daniel', 'Anthony', 'Mark', 'Steven', 'Kevin', 'Brian', 'Jose', 'Luis', 'Wei', 'Raj', 'Omar', 'Tyrone', 'Andre', 'Matthew', 'Joshua', 'Ethan', 'Noah', 'Samuel', 'Hiroshi', 'Carlos'],
} as const;

export const FAMILY_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Patel', 'Kim', 'Chen', 'Okafor', "O'Brien", 'Kowalski', 'Haddad'] as const;

export const MIDDLE_INITIALS = 'ABCDEFGHJKLMNPRSTW';

export const ORGANIZATION_NAMES = ['Riverside Family Medicine', 'Lakeview Internal Medicine Associates', 'Northgate Community Health Center', 'Cedar Hill Primary Care', 'Harborview Family Practice', 'Meadowbrook Medical Group'] as const;

export const STREET_NAMES = ['Maple Street', 'Oak Avenue', 'Washington Street', 'Park Road', 'Elm Street', 'Lincoln Avenue', 'Cedar Lane', 'Highland Avenue', 'Pleasant Street', 'Church Street', 'Spring Street', 'Forest Drive', 'Main Street', 'Chestnut Street', 'River Road', 'Summit Avenue'] as const;

/** Real cities with a matching ZIP code and telephone area code; street numbers are invented. */
export const CITIES = [
  { city: 'Boston', state: 'MA', postalCode: '02118', areaCode: '617' },
  { city: 'Worcester', state: 'MA', postalCode: '01608', areaCode: '508' },
  { city: 'Springfield', state: 'MA', postalCode: '01103', areaCode: '413' },
  { city: 'Providence', state: 'RI', postalCode: '02903', areaCode: '401' },
  { city: 'Hartford', state: 'CT', postalCode: '06103', areaCode: '860' },
  { city: 'Manchester', state: 'NH', postalCode: '03101', areaCode: '603' },
] as const;

export type CityEntry = (typeof CITIES)[number];

export function medicationByKey(key: string): MedicationEntry {
  const found = MEDICATIONS.find((m) => m.key === key);
  if (!found) throw new Error(`no medication '${key}' in the catalog`);
  return found;
}

export function chronicConditionByKey(key: string): ChronicConditionEntry {
  const found = CHRONIC_CONDITIONS.find((c) => c.key === key);
  if (!found) throw new Error(`no chronic condition '${key}' in the catalog`);
  return found;
}
