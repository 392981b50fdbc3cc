import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { TOKEN_ALG, type SigningKeys } from '../../access/index.js';

/**
 * The `$get-ws-binding-token` token (Backport IG: "security details … implementation-dependent"):
 * a JWT signed with the server's keys, of its own type so it is never taken for an access token
 * (and an access token never for it), for the websocket URL only, short-lived, naming the grant
 * it was issued under and the subscriptions it binds. Nothing is stored: the signature is the
 * proof, and the grant is judged again at every bind (a dead grant makes the token useless).
 */
export const BINDING_TOKEN_TYPE = 'ws-binding+jwt';

export interface BindingClaims {
  /** The grant of the access token that asked for it (null on an --open server). */
  grant: string | null;
  subscriptions: string[];
  /** Epoch ms. */
  expiresAt: number;
}

export async function signBindingToken(keys: SigningKeys, options: {
  issuer: string; audience: string; grant: string | null; subscriptions: string[]; lifetimeSeconds: number; now: Date;
}): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + options.lifetimeSeconds;
  const key = await keys.signingKey();
  const token = await new SignJWT({ grant: options.grant, subscriptions: options.subscriptions })
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: BINDING_TOKEN_TYPE })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, expiresAt: exp * 1000 };
}

export class BadBindingToken extends Error {}

/** Signature, type, issuer, audience and expiry; throws BadBindingToken with a reason a client can act on. */
export async function verifyBindingToken(keys: SigningKeys, token: string, options: { issuer: string; audience: string; now: Date }): Promise<BindingClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.verificationKeys(), {
      issuer: options.issuer, audience: options.audience, algorithms: [TOKEN_ALG], typ: BINDING_TOKEN_TYPE, currentDate: options.now,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new BadBindingToken('The binding token has expired: get a new one with $get-ws-binding-token');
    throw new BadBindingToken('Not a binding token of this server: get one with $get-ws-binding-token (an access token is not accepted here)');
  }
  const subscriptions = payload.subscriptions;
  if (!Array.isArray(subscriptions) || !subscriptions.every((s) => typeof s === 'string') || (payload.grant !== null && typeof payload.grant !== 'string')) {
    throw new BadBindingToken('The binding token is malformed');
  }
  return { grant: payload.grant as string | null, subscriptions: subscriptions as string[], expiresAt: (payload.exp as number) * 1000 };
}
