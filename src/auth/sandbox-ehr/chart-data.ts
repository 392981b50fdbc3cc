import { parseSearchRequest, type Resource } from '../../model/index.js';
import type { Store } from '../../storage/index.js';

export interface ChartRow {
  id: string;
  text: string;
  detail: string;
}

/** What the sandbox chart shows of a patient: the lists a referral is about. */
export interface Chart {
  problems: ChartRow[];
  medications: ChartRow[];
  allergies: ChartRow[];
}

export async function readChart(store: Store, patientId: string): Promise<Chart> {
  const patient = `Patient/${patientId}`;
  const rows = async (type: string, params: [string, string][], describe: (r: Resource) => ChartRow) => {
    const result = await store.search(parseSearchRequest(type, [['patient', patient], ['_count', '100'], ...params]));
    return result.matches.filter((m) => m.json).map((m) => describe(JSON.parse(m.json!) as Resource));
  };
  const [problems, requests, statements, allergies] = await Promise.all([
    rows('Condition', [['category', 'problem-list-item']], (r) => ({ id: String(r.id), text: conceptText(r.code), detail: `${conceptText(r.clinicalStatus)}${onset(r)}` })),
    rows('MedicationRequest', [], (r) => ({ id: String(r.id), text: conceptText(r.medicationCodeableConcept) || referenceText(r.medicationReference), detail: `${String(r.status ?? '')} · ${dosage(r)}` })),
    rows('MedicationStatement', [], (r) => ({ id: String(r.id), text: conceptText(r.medicationCodeableConcept) || referenceText(r.medicationReference), detail: `${String(r.status ?? '')} · ${dosage(r)}` })),
    rows('AllergyIntolerance', [], (r) => ({ id: String(r.id), text: conceptText(r.code), detail: conceptText(r.clinicalStatus) })),
  ]);
  return { problems, medications: [...requests, ...statements], allergies };
}

function conceptText(concept: unknown): string {
  const c = concept as { text?: string; coding?: { display?: string; code?: string }[] } | undefined;
  return c?.text ?? c?.coding?.[0]?.display ?? c?.coding?.[0]?.code ?? '';
}

function referenceText(reference: unknown): string {
  const r = reference as { display?: string; reference?: string } | undefined;
  return r?.display ?? r?.reference ?? 'medication';
}

function onset(resource: Resource): string {
  return typeof resource.onsetDateTime === 'string' ? ` · since ${resource.onsetDateTime.slice(0, 10)}` : '';
}

function dosage(resource: Resource): string {
  const d = (resource.dosageInstruction ?? resource.dosage) as { text?: string }[] | undefined;
  return d?.[0]?.text ?? '';
}
