import type { Bundle, BundleEntry } from '../../model/index.js';
import { invalid, issue, OperationOutcomeError } from '../../model/index.js';

/** R4 HTTPVerb (a required binding on Bundle.entry.request.method). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface CheckedBundle {
  type: 'batch' | 'transaction';
  entries: BundleEntry[];
}

/**
 * The Bundle-level rules of R4 §3.1.0.11: POST to the base takes a batch or a transaction; every
 * entry has a request (invariant bdl-3) with a known method; fullUrls are unique (bdl-7). Breaking
 * one makes the whole Bundle unreadable, so it is a 400 for a batch as well as a transaction.
 */
/**
 * `maxEntries` (--max-bundle-entries, default 10,000): a transaction holds one database
 * transaction and its locks for its whole run and the response repeats every entry, so an
 * unbounded Bundle is a denial of service.
 */
export function checkBundle(body: unknown, maxEntries: number): CheckedBundle {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as Bundle).resourceType !== 'Bundle') {
    throw invalid('POST to the FHIR base takes a Bundle of type batch or transaction', 'resourceType');
  }
  const bundle = body as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw invalid(`POST to the FHIR base takes a Bundle of type batch or transaction, not "${String(bundle.type)}"`, 'Bundle.type');
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw invalid('Bundle.entry must be an array', 'Bundle.entry');
  const entries = bundle.entry ?? [];
  if (entries.length > maxEntries) {
    throw new OperationOutcomeError(413, [issue('too-costly', `The Bundle has ${entries.length} entries; this server takes at most ${maxEntries} per batch or transaction: split it`, 'Bundle.entry')]);
  }
  const fullUrls = new Map<string, number>();
  entries.forEach((entry, i) => {
    checkEntry(entry, i);
    if (entry.fullUrl === undefined) return;
    const first = fullUrls.get(entry.fullUrl);
    if (first !== undefined) {
      throw invalid(`Bundle.entry[${i}].fullUrl "${entry.fullUrl}" repeats Bundle.entry[${first}].fullUrl: fullUrls must be unique (bdl-7)`, [`Bundle.entry[${i}].fullUrl`, `Bundle.entry[${first}].fullUrl`]);
    }
    fullUrls.set(entry.fullUrl, i);
  });
  return { type: bundle.type, entries };
}

function checkEntry(entry: BundleEntry, i: number): void {
  const where = `Bundle.entry[${i}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(`${where} must be an object`, where);
  const request = entry.request as unknown;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw invalid(`${where} has no request: every entry of a batch or transaction needs request.method and request.url (bdl-3)`, `${where}.request`);
  }
  const { method, url } = request as { method?: unknown; url?: unknown };
  if (typeof method !== 'string' || !METHODS.has(method)) {
    throw invalid(`${where}.request.method must be one of ${[...METHODS].join(', ')}, not ${JSON.stringify(method)}`, `${where}.request.method`);
  }
  if (typeof url !== 'string' || url.trim() === '') throw invalid(`${where}.request.url must be a non-empty string`, `${where}.request.url`);
  if (entry.fullUrl !== undefined && typeof entry.fullUrl !== 'string') throw invalid(`${where}.fullUrl must be a string`, `${where}.fullUrl`);
  const resource = entry.resource as unknown;
  if (resource !== undefined && (typeof resource !== 'object' || resource === null || Array.isArray(resource))) {
    throw invalid(`${where}.resource must be a resource (a JSON object)`, `${where}.resource`);
  }
}
