import type { AuthRecords } from '../storage/index.js';

/**
 * The authorization server's records, with one addition: after a grant is revoked — through
 * RFC 7009, the connected-apps page, a replayed code or refresh token, any path that revokes —
 * `onRevoked` runs before the revoking request answers. Auth and subscriptions may not import
 * each other (ARCHITECTURE.md), so the assembly joins them here: the engine turns the grant's
 * subscriptions off at once (issue 4 b: "revocation stops the flow at once").
 */
export function withRevocationHook(records: AuthRecords, onRevoked: (grantIds: string[]) => Promise<void>): AuthRecords {
  return {
    ...records,
    revokeGrant: async (id, at, reason) => {
      const revoked = await records.revokeGrant(id, at, reason);
      if (revoked) await onRevoked([id]);
      return revoked;
    },
  };
}
