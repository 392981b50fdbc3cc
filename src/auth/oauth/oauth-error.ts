/**
 * An OAuth error response (RFC 6749 §5.2; RFC 7009 §2.2.1; RFC 7591 §3.2.2; RFC 8693 §2.2.2):
 * `{ error, error_description }`, 400 unless said otherwise — `invalid_client` is 401 with
 * `WWW-Authenticate` when the client tried HTTP Basic.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);
export const invalidClient = (description: string, usedBasic = false) =>
  new OAuthError('invalid_client', description, 401, usedBasic ? { 'www-authenticate': 'Basic realm="handover"' } : {});
