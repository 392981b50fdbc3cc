import type { GrantTokens } from './grant-tokens.js';

export type FhirResource = Record<string, unknown> & { resourceType: string; id?: string };

export class FhirRequestFailed extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * FHIR REST with the grant's token: one retry with a freshly refreshed token on 401 (the access
 * token may have been cut short); a second 401 is the server saying the grant is gone.
 */
export async function fhirRequest(tokens: GrantTokens, grantId: string, url: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: FhirResource | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const token = await tokens.accessToken(grantId, attempt > 0);
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    if (response.status === 401 && attempt === 0) continue;
    const text = await response.text();
    const body = text ? (JSON.parse(text) as FhirResource) : undefined;
    return { status: response.status, body };
  }
}

/** A search, all pages followed (`link` next), resources of the `match` entries only. */
export async function searchAll(tokens: GrantTokens, grantId: string, url: string): Promise<FhirResource[]> {
  const found: FhirResource[] = [];
  let next: string | undefined = url;
  for (let page = 0; next && page < 50; page++) {
    const { status, body } = await fhirRequest(tokens, grantId, next);
    if (status !== 200 || !body) throw new FhirRequestFailed(status, `search ${next} answered HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
    const bundle = body as { entry?: { resource?: FhirResource; search?: { mode?: string } }[]; link?: { relation: string; url: string }[] };
    for (const entry of bundle.entry ?? []) if (entry.resource && (entry.search?.mode ?? 'match') === 'match') found.push(entry.resource);
    next = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return found;
}
