import type { FastifyInstance } from 'fastify';
import { nowMs, type AuthContext } from '../auth-context.js';
import type { ClientJwks } from '../clients/client-jwks.js';
import { authenticateClient } from './client-authentication.js';
import { CLIENT_ENDPOINT_LIMIT } from './client-endpoint-limit.js';
import { FormParams } from './form-params.js';
import { findPresentedToken } from './presented-token.js';

export function revocationRoute(app: FastifyInstance, ctx: AuthContext, jwks: ClientJwks): void {
  app.post('/auth/revoke', { config: { rateLimit: CLIENT_ENDPOINT_LIMIT } }, async (request, reply) => {
    await revoke(ctx, jwks, request.headers.authorization, request.body);
    // RFC 7009 §2.2: 200 whether or not there was anything to revoke.
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').code(200).send();
  });
}

/**
 * RFC 7009 §2.1: the client authenticates and may revoke only its own tokens; an unknown, invalid
 * or foreign token changes nothing and is not an error (§2.2), so the endpoint is no oracle.
 */
export async function revoke(ctx: AuthContext, jwks: ClientJwks, authorization: string | undefined, body: unknown): Promise<void> {
  const params = FormParams.fromBody(body);
  const { client } = await authenticateClient(ctx, jwks, authorization, params);
  const token = params.required('token');
  params.optional('token_type_hint'); // read only to refuse a repeat; unknown hints are ignored (§2.1)
  const presented = await findPresentedToken(ctx, token);
  const now = nowMs(ctx);

  if (presented.kind === 'refresh_token' && presented.record.clientId === client.clientId) {
    // §2.1: revoking a refresh token SHOULD end the access tokens of the same grant. Revoking the
    // grant does (ADR 0003: every use checks liveness), derived grants included. A rotated token
    // still names its grant: the client wants that authorization ended, so it is.
    if (await ctx.records.revokeGrant(presented.record.grantId, now, 'refresh token revoked by the client')) {
      ctx.log.info({ grantId: presented.record.grantId, clientId: client.clientId }, 'grant revoked through its refresh token');
    }
    return;
  }

  if (presented.kind === 'access_token' && presented.claims.client_id === client.clientId) {
    // ADR 0003: one access token ends alone — its `jti`, kept until it would have expired — with
    // the grants cut from it by token exchange; the grant and its refresh token live on.
    const { jti, grant, exp } = presented.claims;
    await ctx.records.revokeTokenId(jti, grant, exp * 1000);
    for (const derived of await ctx.records.grantsDerivedFromToken(jti)) {
      await ctx.records.revokeGrant(derived.id, now, 'the access token it was derived from was revoked');
    }
    ctx.log.info({ grantId: grant, jti, clientId: client.clientId }, 'access token revoked');
  }
}
