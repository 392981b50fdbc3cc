import type { Clock } from '../../base/index.js';
import type { AuthRecords, ReviewRecords } from '../../storage/index.js';
import { reviewingClientsOf, withHeldResources } from '../review/held-resources.js';
import { Unauthenticated } from '../access-errors.js';
import { OPEN_ACCESS, type AccessContext, type Caller } from '../caller.js';
import { callerOfGrant } from './caller-of-grant.js';
import { verifyAccessToken, type AccessTokenClaims } from './access-token.js';
import { grantLiveness } from './grant-liveness.js';
import type { SigningKeys } from './signing-keys.js';

/** Verified tokens remembered at most (a bounded memo, cleared when full). */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AuthenticatorOptions {
  records: AuthRecords;
  keys: SigningKeys;
  clock: Clock;
  /** Our issuer and the audience our tokens name: the FHIR base URL. */
  issuer: string;
  audience: string;
  /** `--open`: no token needed. */
  open: boolean;
  /**
   * How long a token's grant liveness, once read from storage, is trusted. Revocations written
   * by this process end the trust at once (`AuthRecords.revocationEpoch`); this bounds how long a
   * revocation written by another process (PostgreSQL scale-out) can go unnoticed. 0: read every time.
   */
  livenessCacheMs: number;
  /**
   * Issue 5 c (ADR 0014): the review records. A caller whose recipient requires review is told,
   * at every request, which resources are held from it. Absent: nothing is ever held.
   */
  review?: ReviewRecords;
}

/** A verified token and, once checked, the standing of its grant. */
interface TokenMemo {
  claims: AccessTokenClaims;
  standing?: { caller: Caller; checkedAt: number; epoch: number; until: number | null; reviewing: string[] };
}

/**
 * The resource server's first step (RFC 6750): from an `Authorization` header to a Caller, or
 * `Unauthenticated`. The signature check is cached per token; the grant's liveness and the
 * token id's revocation are read from storage in one query and trusted for `livenessCacheMs`
 * unless this process revoked anything since — so a revocation takes effect on the next request
 * here, and within `livenessCacheMs` in every other process.
 */
export function createAuthenticator(options: AuthenticatorOptions): (authorization: string | undefined) => Promise<AccessContext> {
  const memos = new Map<string, TokenMemo>();

  const memoOf = async (token: string, nowMs: number): Promise<TokenMemo> => {
    const cached = memos.get(token);
    if (cached && cached.claims.exp * 1000 > nowMs) return cached;
    const claims = await verifyAccessToken(options.keys, token, { issuer: options.issuer, audience: options.audience, now: new Date(nowMs) });
    if (memos.size >= VERIFIED_CACHE_SIZE) memos.clear();
    const memo: TokenMemo = { claims };
    memos.set(token, memo);
    return memo;
  };

  const trusted = (memo: TokenMemo, nowMs: number): TokenMemo['standing'] => {
    const standing = memo.standing;
    if (!standing || standing.epoch !== options.records.revocationEpoch()) return undefined;
    if (nowMs - standing.checkedAt >= options.livenessCacheMs) return undefined;
    if (standing.until !== null && standing.until <= nowMs) return undefined;
    return standing;
  };
  // The review policy is cached with the standing (a policy change bumps the epoch); the held resources never are.
  const withHeld = async (caller: Caller, reviewing: string[]): Promise<AccessContext> =>
    ({ open: false, caller: options.review ? await withHeldResources(options.review, caller, reviewing) : caller });

  return async (authorization) => {
    if (options.open) return OPEN_ACCESS;
    const token = bearerToken(authorization);
    const nowMs = options.clock.now().getTime();
    const memo = await memoOf(token, nowMs);
    const cached = trusted(memo, nowMs);
    if (cached) return withHeld(cached.caller, cached.reviewing);

    // The epoch is read before the query: a revocation that lands while we wait makes this answer stale at once.
    const epoch = options.records.revocationEpoch();
    const { claims } = memo;
    const { grant, tokenRevoked } = await options.records.tokenStanding(claims.grant, claims.jti);
    if (!grant) throw new Unauthenticated('The access token\'s grant does not exist', 'invalid_token');
    if (tokenRevoked) throw new Unauthenticated('The access token was revoked', 'invalid_token');
    const liveness = await grantLiveness(options.records, grant, nowMs);
    if (!liveness.alive) throw new Unauthenticated(`The access token is no longer valid: ${liveness.reason}`, 'invalid_token');
    const caller = callerOfGrant(grant, claims.scope, claims.jti);
    const reviewing = options.review ? await reviewingClientsOf(options.records, grant) : [];
    if (options.livenessCacheMs > 0) memo.standing = { caller, checkedAt: nowMs, epoch, until: liveness.until, reviewing };
    return withHeld(caller, reviewing);
  };
}

/** RFC 6750 §2.1: `Bearer <token68>`, scheme case-insensitive. */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw new Unauthenticated('This request needs a bearer token');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) throw new Unauthenticated('The Authorization header is not a Bearer token', 'invalid_request');
  return match[1]!;
}
