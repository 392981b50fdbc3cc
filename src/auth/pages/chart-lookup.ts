import { parseSearchRequest, type Resource } from '../../model/index.js';
import type { Store } from '../../storage/index.js';
import type { PatientChoice } from './auth-pages.js';

/** Labels for the pickers, read straight from storage (the pages are the server's own, not an app). */
export async function findPatients(store: Store, query: string): Promise<PatientChoice[]> {
  const params: [string, string][] = [['_count', '25']];
  if (query.trim() !== '') params.push(['name', query.trim()]);
  const result = await store.search(parseSearchRequest('Patient', params));
  return result.matches.filter((m) => m.json).map((m) => ({ id: m.id, label: patientLabel(JSON.parse(m.json!) as Resource) }));
}

export async function patientLabelOf(store: Store, id: string): Promise<string | undefined> {
  const current = await store.readCurrent('Patient', id);
  return current?.json ? patientLabel(JSON.parse(current.json) as Resource) : undefined;
}

export async function encountersOf(store: Store, patientId: string): Promise<PatientChoice[]> {
  const result = await store.search(parseSearchRequest('Encounter', [['patient', `Patient/${patientId}`], ['_count', '20']]));
  return result.matches.filter((m) => m.json).map((m) => {
    const encounter = JSON.parse(m.json!) as { status?: string; period?: { start?: string }; type?: { text?: string; coding?: { display?: string }[] }[] };
    const type = encounter.type?.[0]?.text ?? encounter.type?.[0]?.coding?.[0]?.display ?? 'Encounter';
    return { id: m.id, label: `${type}, ${encounter.period?.start?.slice(0, 10) ?? 'no date'} (${encounter.status ?? 'unknown'})` };
  });
}

export function patientLabel(patient: Resource): string {
  const name = (patient.name as { given?: string[]; family?: string; text?: string }[] | undefined)?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family ?? ''].join(' ').trim();
  const birth = typeof patient.birthDate === 'string' ? `, born ${patient.birthDate}` : '';
  return `${text || patient.id || 'Unnamed patient'}${birth}`;
}
