import type { ResourceScope } from '../model/index.js';

/**
 * Who is calling the FHIR API, established once per request from the bearer token (see
 * docs/adr/0003-grant-model.md). Every access decision starts from this and nothing else.
 */
export interface Caller {
  /** The grant the token was issued under; alive when the request was authenticated. */
  grantId: string;
  kind: 'user' | 'backend' | 'derived';
  clientId: string;
  /** The access token's `jti`. */
  tokenId: string;
  /** The resource scopes granted (identity, launch and other scopes are left out). */
  scopes: readonly ResourceScope[];
  /** Launch context: `patient/` scopes are confined to this patient's compartment. */
  patientId?: string;
  encounterId?: string;
  /** The user's FHIR identity, `Practitioner/…` or `Patient/…`; absent for backend services. */
  fhirUser?: string;
  /**
   * Issue 5 c (ADR 0014): resource ids by type this caller may not see now, whatever its scopes —
   * held for its recipient's review, or rejected there. Absent: nothing held.
   */
  held?: Readonly<Record<string, readonly string[]>>;
}

/**
 * `open` only when the operator started the server with `--open` (local experiments): no token
 * is checked and everything is allowed. Otherwise a caller with a verified, live token.
 */
export type AccessContext = { readonly open: true } | { readonly open: false; readonly caller: Caller };

export const OPEN_ACCESS: AccessContext = Object.freeze({ open: true });
