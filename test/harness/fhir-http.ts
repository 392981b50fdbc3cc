import { defaultAuthorization } from './backend-token.js';

/** Small fetch helpers for black-box FHIR tests: JSON in, status + headers + JSON out. */
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  // The test server's backend token rides along unless the test sets its own Authorization
  // (an empty string sends none: for the 401 cases).
  const authorization = 'authorization' in headers ? headers.authorization : await defaultAuthorization(url);
  const { authorization: _given, ...rest } = headers;
  const init: RequestInit = { method, headers: { accept: 'application/fhir+json', ...rest, ...(authorization ? { authorization } : {}) } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/fhir+json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export const patientBody = (family = 'Shaw', extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Amy', 'V.'] }],
  gender: 'female',
  birthDate: '1987-02-20',
  ...extra,
});
