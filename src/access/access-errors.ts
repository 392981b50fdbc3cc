/**
 * The two refusals of a resource server (RFC 6750 §3.1). The FHIR surface turns them into 401 /
 * 403 with `WWW-Authenticate: Bearer …` and an OperationOutcome. A resource outside the caller's
 * reach is not one of these: it is answered 404 so its existence does not leak.
 */
export class Unauthenticated extends Error {
  /** `invalid_token` when a token was presented but is bad; absent when there was none. */
  constructor(message: string, readonly error?: 'invalid_token' | 'invalid_request') {
    super(message);
    this.name = 'Unauthenticated';
  }

  get wwwAuthenticate(): string {
    return this.error
      ? `Bearer realm="handover", error="${this.error}", error_description="${this.message.replace(/["\\]/g, '')}"`
      : 'Bearer realm="handover"';
  }
}

export class InsufficientScope extends Error {
  constructor(message: string, readonly requiredScope?: string) {
    super(message);
    this.name = 'InsufficientScope';
  }

  get wwwAuthenticate(): string {
    const scope = this.requiredScope ? `, scope="${this.requiredScope}"` : '';
    return `Bearer realm="handover", error="insufficient_scope", error_description="${this.message.replace(/["\\]/g, '')}"${scope}`;
  }
}
