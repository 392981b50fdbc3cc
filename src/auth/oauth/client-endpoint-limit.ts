/**
 * Requests per minute and client address at introspection and revocation, as at the token
 * endpoint: generous for a resource server introspecting often, but it bounds token guessing.
 */
export const CLIENT_ENDPOINT_LIMIT = { max: 600, timeWindow: '1 minute' };
