import type { FastifyInstance } from 'fastify';
import { grantLiveness, type AccessTokenClaims } from '../../access/index.js';
import { parseScopes } from '../../model/index.js';
import type { ClientRecord, GrantRecord, RefreshTokenRecord } from '../../storage/index.js';
import { nowMs, type AuthContext } from '../auth-context.js';
import type { ClientJwks } from '../clients/client-jwks.js';
import { authenticateClient } from './client-authentication.js';
import { CLIENT_ENDPOINT_LIMIT } from './client-endpoint-limit.js';
import { FormParams } from './form-params.js';
import { findPresentedToken } from './presented-token.js';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

/**
 * RFC 7662 §2.2: a token that is unknown, expired, revoked, forged — or that this caller may not
 * see — gets `{"active": false}` and nothing else, so the answer reveals nothing about it.
 */
const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

export function introspectionRoute(app: FastifyInstance, ctx: AuthContext, jwks: ClientJwks): void {
  app.post('/auth/introspect', { config: { rateLimit: CLIENT_ENDPOINT_LIMIT } }, async (request, reply) => {
    const response = await introspect(ctx, jwks, request.headers.authorization, request.body);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
  });
}

/**
 * RFC 7662 §2.1 with SMART App Launch §"Token Introspection": the caller authenticates (§2.1: to
 * stop token scanning); a client sees its own tokens, a resource server (`mayIntrospect`) any.
 */
export async function introspect(ctx: AuthContext, jwks: ClientJwks, authorization: string | undefined, body: unknown): Promise<IntrospectionResponse> {
  const params = FormParams.fromBody(body);
  const { client: caller } = await authenticateClient(ctx, jwks, authorization, params);
  const token = params.required('token');
  params.optional('token_type_hint'); // read only to refuse a repeat: findPresentedToken needs no hint
  const presented = await findPresentedToken(ctx, token);
  if (presented.kind === 'access_token') return describeAccessToken(ctx, caller, presented.claims);
  if (presented.kind === 'refresh_token') return describeRefreshToken(ctx, caller, presented.record);
  return INACTIVE;
}

const mayDescribe = (caller: ClientRecord, tokenClientId: string) => caller.clientId === tokenClientId || caller.mayIntrospect;

/** ADR 0003: a verified token is active only while its grant lives and its `jti` is not revoked. */
async function describeAccessToken(ctx: AuthContext, caller: ClientRecord, claims: AccessTokenClaims): Promise<IntrospectionResponse> {
  if (!mayDescribe(caller, claims.client_id)) return INACTIVE;
  const [grant, revoked] = await Promise.all([ctx.records.getGrant(claims.grant), ctx.records.isTokenIdRevoked(claims.jti)]);
  if (!grant || revoked || !(await alive(ctx, grant))) return INACTIVE;
  return {
    active: true,
    token_type: 'Bearer',
    scope: claims.scope,
    client_id: claims.client_id,
    exp: claims.exp,
    iat: claims.iat,
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    ...launchContext(ctx, claims.scope, { patientId: claims.patient, encounterId: claims.encounter, fhirUser: claims.fhirUser }),
  };
}

/** A refresh token is active while it is the current one of its family and its grant lives. */
async function describeRefreshToken(ctx: AuthContext, caller: ClientRecord, record: RefreshTokenRecord): Promise<IntrospectionResponse> {
  if (!mayDescribe(caller, record.clientId) || record.rotatedAt !== null) return INACTIVE;
  const grant = await ctx.records.getGrant(record.grantId);
  if (!grant || !(await alive(ctx, grant))) return INACTIVE;
  const ends = [grant.expiresAt, grant.idleExpiresAt].filter((t): t is number => t !== null);
  return {
    active: true,
    scope: grant.scope,
    client_id: grant.clientId,
    ...(ends.length > 0 ? { exp: Math.floor(Math.min(...ends) / 1000) } : {}),
    iat: Math.floor(record.createdAt / 1000),
    iss: ctx.fhirBase,
    sub: grant.userId ?? grant.clientId,
    ...launchContext(ctx, grant.scope, {
      patientId: grant.patientId ?? undefined, encounterId: grant.encounterId ?? undefined, fhirUser: grant.fhirUser ?? undefined,
    }),
  };
}

async function alive(ctx: AuthContext, grant: GrantRecord): Promise<boolean> {
  return (await grantLiveness(ctx.records, grant, nowMs(ctx))).alive;
}

/**
 * SMART App Launch §"Token Introspection", conditional members: the launch context as in the
 * token response, and `fhirUser` (absolute, as in the id token) only when the `fhirUser` scope
 * was granted.
 */
function launchContext(ctx: AuthContext, scope: string, context: { patientId?: string; encounterId?: string; fhirUser?: string }): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  if (context.patientId) members.patient = context.patientId;
  if (context.encounterId) {
    members.encounter = context.encounterId;
    members.fhirContext = [{ reference: `Encounter/${context.encounterId}` }];
  }
  if (context.fhirUser && parseScopes(scope).scopes.some((s) => s.kind === 'fhirUser')) members.fhirUser = `${ctx.fhirBase}/${context.fhirUser}`;
  return members;
}
