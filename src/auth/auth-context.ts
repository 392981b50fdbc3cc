import type { SigningKeys } from '../access/index.js';
import type { Clock, Logger, Metrics } from '../base/index.js';
import type { Mode } from '../config/index.js';
import type { AuthRecords } from '../storage/index.js';
import type { Store } from '../storage/index.js';
import type { HandoverPort } from './handover-port.js';
import type { ConsentPort } from './consent-port.js';
import type { ReviewPort } from './review-port.js';

/** What the authorization server needs, built once by http/ and passed down. */
export interface AuthContext {
  store: Store;
  records: AuthRecords;
  keys: SigningKeys;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  mode: Mode;
  /** `<base-url>` without a trailing slash. */
  baseUrl: string;
  /** `<base-url>/fhir`: the `aud` apps must ask for, our `iss`, and every token's audience. */
  fhirBase: string;
  offlineDays: number;
  offlineMaxDays: number;
  /** Seconds a rotated refresh token may still be presented (a lost response); 0 = never. */
  refreshGraceSeconds: number;
  operatorToken: string | undefined;
  /** The handover's invitations (issue 5 b): the consent capability, wired in by http/. */
  handover: HandoverPort;
  /** Consent as data and the patient portal (issue 5): the consent capability, wired in by http/. */
  consent: ConsentPort;
  /** Review before sending (issue 5 c): the clinician's queue, wired in by http/. */
  review: ReviewPort;
}

/** Every URL the authorization server publishes (discovery lists them; pages link to them). */
export function authUrls(ctx: Pick<AuthContext, 'baseUrl' | 'fhirBase'>) {
  const auth = `${ctx.baseUrl}/auth`;
  return {
    issuer: ctx.fhirBase,
    authorize: `${auth}/authorize`,
    token: `${auth}/token`,
    introspect: `${auth}/introspect`,
    revoke: `${auth}/revoke`,
    register: `${auth}/register`,
    jwks: `${auth}/jwks`,
    userinfo: `${auth}/userinfo`,
    manage: `${auth}/apps`,
    signIn: `${auth}/sign-in`,
    style: `${auth}/smart-style.json`,
    launches: `${auth}/launches`,
  };
}

export type AuthUrls = ReturnType<typeof authUrls>;

export const nowMs = (ctx: Pick<AuthContext, 'clock'>): number => ctx.clock.now().getTime();
