import type { FastifyInstance } from 'fastify';
import type { AuthContext } from '../auth-context.js';
import { OAuthError } from '../oauth/oauth-error.js';
import { operatorAuthorized } from '../operator.js';
import { LaunchRefused, mintLaunch } from './mint-launch.js';

/**
 * The operator API a real EHR calls to start an EHR launch: `POST /auth/launches` with the
 * operator's bearer token and `{ client_id, user, patient?, encounter? }` (user = a user name or
 * id known to Handover). Answers `{ launch, launch_url, expires_in }`; the EHR sends the browser to
 * `launch_url`. The sandbox chart's Launch button mints through the same function.
 */
export function launchApi(app: FastifyInstance, ctx: AuthContext): void {
  app.post('/auth/launches', async (request, reply) => {
    if (!operatorAuthorized(ctx, request.headers.authorization)) {
      throw new OAuthError('invalid_token', 'The operator API needs the operator token', 401, { 'www-authenticate': 'Bearer realm="handover-operator"' });
    }
    const body = request.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || body instanceof URLSearchParams) throw new OAuthError('invalid_request', 'Send a JSON object');
    const text = (name: string, required: boolean): string | null => {
      const value = body[name];
      if (value === undefined || value === null) {
        if (required) throw new OAuthError('invalid_request', `"${name}" is required`);
        return null;
      }
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new OAuthError('invalid_request', `"${name}" must be a string`);
      return value;
    };
    const userRef = text('user', true)!;
    const user = (await ctx.records.getUserByUsername(userRef)) ?? (await ctx.records.getUser(userRef));
    if (!user) throw new OAuthError('invalid_request', 'unknown user');
    try {
      const minted = await mintLaunch(ctx, { clientId: text('client_id', true)!, userId: user.userId, patientId: text('patient', false), encounterId: text('encounter', false) });
      return reply.code(201).header('cache-control', 'no-store').send({ launch: minted.launch, launch_url: minted.launchUrl, expires_in: minted.expiresIn });
    } catch (error) {
      if (error instanceof LaunchRefused) throw new OAuthError('invalid_request', error.message);
      throw error;
    }
  });
}
