import type { AuthRecords, GrantRecord } from '../../storage/index.js';

/** Derived grants nest; a deeper chain than this is refused rather than followed. */
const MAX_DEPTH = 8;

/** `until`: the earliest expiry along the chain (null: none) — how long "alive" may be trusted, revocation aside. */
export type Liveness = { alive: true; until: number | null } | { alive: false; reason: string };

/**
 * ADR 0003: a grant is alive when it is not revoked, not past its absolute or idle expiry, and
 * its parent (recursively) is alive. Every decision about a token, a subscription or an export
 * starts here.
 */
export async function grantLiveness(records: AuthRecords, grant: GrantRecord, nowMs: number): Promise<Liveness> {
  let current: GrantRecord | undefined = grant;
  let until: number | null = null;
  const earliest = (at: number | null) => { if (at !== null && (until === null || at < until)) until = at; };
  for (let depth = 0; current; depth++) {
    if (depth > MAX_DEPTH) return { alive: false, reason: 'the grant is derived too deeply' };
    if (current.revokedAt !== null) return { alive: false, reason: depth === 0 ? 'the grant was revoked' : 'the grant it was derived from was revoked' };
    if (current.expiresAt !== null && current.expiresAt <= nowMs) return { alive: false, reason: 'the grant has expired' };
    if (current.idleExpiresAt !== null && current.idleExpiresAt <= nowMs) return { alive: false, reason: 'the grant expired after a long time unused' };
    earliest(current.expiresAt);
    earliest(current.idleExpiresAt);
    if (current.parentGrantId === null) return { alive: true, until };
    current = await records.getGrant(current.parentGrantId);
    if (!current) return { alive: false, reason: 'the grant it was derived from no longer exists' };
  }
  return { alive: true, until };
}
