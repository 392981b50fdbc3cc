import { invalidRequest } from './oauth-error.js';

/**
 * Request parameters of an OAuth endpoint. RFC 6749 §3.1/§3.2: "Request and response parameters
 * MUST NOT be included more than once" — so we keep URLSearchParams (which sees repeats) rather
 * than a parsed object, and answer a repeat with `invalid_request` naming it.
 */
export class FormParams {
  constructor(private readonly params: URLSearchParams) {}

  static fromBody(body: unknown): FormParams {
    if (body instanceof URLSearchParams) return new FormParams(body);
    if (body === undefined || body === null || body === '') return new FormParams(new URLSearchParams());
    throw invalidRequest('The request body must be application/x-www-form-urlencoded');
  }

  static fromQuery(url: string): FormParams {
    return new FormParams(new URL(url, 'http://x').searchParams);
  }

  /** The value, or undefined when absent; empty values count as absent (RFC 6749 §3.1). */
  optional(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) throw invalidRequest(`The "${name}" parameter is repeated`);
    const value = values[0];
    // RFC 6749 Appendix A: no parameter may hold a NUL (and PostgreSQL text cannot store one).
    if (value?.includes('\0')) throw invalidRequest(`The "${name}" parameter holds a NUL character`);
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw invalidRequest(`The "${name}" parameter is required`);
    return value;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  entries(): [string, string][] {
    return [...this.params];
  }
}
