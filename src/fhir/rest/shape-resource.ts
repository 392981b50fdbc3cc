import { summaryElements } from '../../model/index.js';

const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/**
 * R4 §3.1.1.5.7 `_summary` and §3.1.1.5.8 `_elements`: trims a resource and marks it SUBSETTED
 * (the R4 v3-ObservationValue code), so nobody mistakes it for the whole resource.
 */
export function shapeResource(json: string, summary: string | undefined, elements: string[] | undefined): string {
  if ((summary === undefined || summary === 'false') && elements === undefined) return json;
  const resource = JSON.parse(json) as Record<string, unknown>;
  const type = resource.resourceType as string;
  let keep: (name: string) => boolean;
  if (elements !== undefined) {
    const wanted = new Set(elements);
    keep = (name) => ALWAYS.has(name) || wanted.has(name) || [...wanted].some((w) => name.startsWith(w) && /^[A-Z]/.test(name.slice(w.length)));
  } else if (summary === 'true') {
    const summaryNames = summaryElements(type);
    keep = (name) => ALWAYS.has(name) || summaryNames.has(name) || [...summaryNames].some((s) => name.startsWith(s) && /^[A-Z]/.test(name.slice(s.length)));
  } else if (summary === 'text') {
    keep = (name) => ALWAYS.has(name) || name === 'text';
  } else if (summary === 'data') {
    keep = (name) => name !== 'text';
  } else {
    return json;
  }
  const shaped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) if (keep(name)) shaped[name] = value;
  const meta = { ...((shaped.meta as Record<string, unknown>) ?? {}) };
  meta.tag = [...((meta.tag as unknown[]) ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' }];
  shaped.meta = meta;
  return JSON.stringify(shaped);
}
