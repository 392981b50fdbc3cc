import { invalid } from '../../model/index.js';

export interface EntryUrl {
  path: string[];
  query: [string, string][];
}

/**
 * Bundle.entry.request.url is "relative to the root (the address to which the request is posted)"
 * (R4 §3.1.0.11). An absolute URL is accepted when it lies under this server's FHIR base; one
 * naming another server is refused, never fetched or silently reinterpreted. An empty path would
 * nest a Bundle in a Bundle, which is refused too.
 */
export function parseEntryUrl(url: string, fhirBase: string): EntryUrl {
  let rest = url.trim();
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(rest)) {
    if (!rest.startsWith(`${fhirBase}/`)) {
      throw invalid(`request.url "${url}" is an absolute URL outside this server's base ${fhirBase}: use a URL relative to the base`, 'request.url');
    }
    rest = rest.slice(fhirBase.length + 1);
  }
  if (rest.includes('#')) throw invalid(`request.url "${url}" may not carry a fragment`, 'request.url');
  const mark = rest.indexOf('?');
  const pathText = (mark < 0 ? rest : rest.slice(0, mark)).replace(/^\/+/, '');
  const segments = pathText === '' ? [] : pathText.split('/');
  if (segments.length === 0) throw invalid(`request.url "${url}" names nothing below the base: a Bundle cannot be nested in a Bundle`, 'request.url');
  if (segments.some((s) => s === '')) throw invalid(`request.url "${url}" has an empty path segment`, 'request.url');
  const path = segments.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw invalid(`request.url "${url}" has a malformed percent-encoding`, 'request.url');
    }
  });
  return { path, query: [...new URLSearchParams(mark < 0 ? '' : rest.slice(mark + 1))] };
}
