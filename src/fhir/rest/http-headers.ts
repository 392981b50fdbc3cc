/** ETag and Last-Modified as FHIR R4 §3.1.0.5 (version-aware updates) describes them. */
export function etagOf(versionId: number | string): string {
  return `W/"${versionId}"`;
}

/** Accepts `W/"3"`, `"3"` or `3`; undefined when not a version. */
export function versionFromEtag(etag: string): number | undefined {
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return match ? Number(match[1]) : undefined;
}

export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

export function instant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
