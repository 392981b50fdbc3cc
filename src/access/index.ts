export type { Caller, AccessContext } from './caller.js';
export { OPEN_ACCESS } from './caller.js';
export { Unauthenticated, InsufficientScope } from './access-errors.js';
export { SigningKeys, TOKEN_ALG, LONGEST_TOKEN_MS } from './tokens/signing-keys.js';
export { signAccessToken, verifyAccessToken, type AccessTokenClaims, type IssuedAccessToken } from './tokens/access-token.js';
export { grantLiveness, type Liveness } from './tokens/grant-liveness.js';
export { createAuthenticator, type AuthenticatorOptions } from './tokens/authenticate.js';
