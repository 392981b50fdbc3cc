import type { BundleEntry } from '../../model/index.js';

/**
 * Builds Bundle JSON from entries whose resources are often the stored JSON text: splicing the
 * stored bytes in avoids parsing and re-serializing every resource of every search page.
 */
export interface RawEntry extends Omit<BundleEntry, 'resource'> {
  resource?: string | object;
}

export interface RawBundle {
  type: string;
  id?: string;
  timestamp?: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry: RawEntry[];
}

export function serializeBundle(bundle: RawBundle): string {
  const head: Record<string, unknown> = { resourceType: 'Bundle' };
  if (bundle.id) head.id = bundle.id;
  head.type = bundle.type;
  if (bundle.timestamp) head.timestamp = bundle.timestamp;
  if (bundle.total !== undefined) head.total = bundle.total;
  if (bundle.link) head.link = bundle.link;
  const headJson = JSON.stringify(head);
  if (bundle.entry.length === 0) return headJson;
  return `${headJson.slice(0, -1)},"entry":[${bundle.entry.map(serializeEntry).join(',')}]}`;
}

function serializeEntry(entry: RawEntry): string {
  const parts: string[] = [];
  if (entry.fullUrl !== undefined) parts.push(`"fullUrl":${JSON.stringify(entry.fullUrl)}`);
  if (entry.resource !== undefined) parts.push(`"resource":${typeof entry.resource === 'string' ? entry.resource : JSON.stringify(entry.resource)}`);
  if (entry.search) parts.push(`"search":${JSON.stringify(entry.search)}`);
  if (entry.request) parts.push(`"request":${JSON.stringify(entry.request)}`);
  if (entry.response) parts.push(`"response":${JSON.stringify(entry.response)}`);
  return `{${parts.join(',')}}`;
}
