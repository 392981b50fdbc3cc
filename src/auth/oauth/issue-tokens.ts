import { signAccessToken } from '../../access/index.js';
import type { GrantRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  [member: string]: unknown;
}

/** One access token under a grant, for `scope` (the grant's scope or a narrowing of it). */
export async function accessTokenResponse(ctx: AuthContext, grant: GrantRecord, scope: string, lifetimeSeconds: number, actor?: string): Promise<TokenResponse> {
  const issued = await signAccessToken(ctx.keys, {
    issuer: ctx.fhirBase, audience: ctx.fhirBase, grant, scope, lifetimeSeconds, now: new Date(nowMs(ctx)), ...(actor ? { actor } : {}),
  });
  return { access_token: issued.token, token_type: 'Bearer', expires_in: lifetimeSeconds, scope };
}
