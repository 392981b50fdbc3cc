import type { RegistryDb } from './registry-db.js';
import type { SecretBox } from './secret-box.js';
import { OAuthFailure, tokenRequest, type ClientCredentials, type SmartConfiguration, type TokenResponse } from './smart-client.js';

/** The grant is gone (revoked, expired, idle too long): stop using it. */
export class GrantEnded extends Error {}

/**
 * Fresh access tokens per grant, from the refresh token kept sealed in the database. Access
 * tokens live only in memory; a refresh is done once at a time per grant (a second refresh with
 * a rotated token would look like a replay to the server), and a rotated refresh token is
 * stored before it is used.
 */
export class GrantTokens {
  private readonly cached = new Map<string, { token: string; expiresAt: number }>();
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly db: RegistryDb,
    private readonly box: SecretBox,
    private readonly smart: () => Promise<{ config: SmartConfiguration; client: ClientCredentials }>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers the tokens of a fresh code exchange. */
  remember(grantId: string, tokens: TokenResponse): void {
    this.cached.set(grantId, { token: tokens.access_token, expiresAt: this.now() + (tokens.expires_in ?? 300) * 1000 });
  }

  sealRefreshToken(grantId: string, refreshToken: string): string {
    return this.box.seal(refreshToken, `refresh:${grantId}`);
  }

  /** The refresh token in clear, for introspection or revocation; undefined once the grant ended. */
  refreshToken(grantId: string): string | undefined {
    const grant = this.db.grant(grantId);
    return grant?.status === 'active' && grant.refresh_token ? this.box.open(grant.refresh_token, `refresh:${grantId}`) : undefined;
  }

  /** Drops the cached access token (the grant ended). */
  forget(grantId: string): void {
    this.cached.delete(grantId);
  }

  /** An access token valid for at least a minute more; `forceRefresh` after a 401. */
  async accessToken(grantId: string, forceRefresh = false): Promise<string> {
    const cached = this.cached.get(grantId);
    if (!forceRefresh && cached && cached.expiresAt - 60_000 > this.now()) return cached.token;
    const running = this.refreshing.get(grantId);
    if (running) return running;
    const refresh = this.refresh(grantId).finally(() => this.refreshing.delete(grantId));
    this.refreshing.set(grantId, refresh);
    return refresh;
  }

  private async refresh(grantId: string): Promise<string> {
    const grant = this.db.grant(grantId);
    if (!grant || grant.status !== 'active' || !grant.refresh_token) throw new GrantEnded(`grant ${grantId} is ${grant?.status ?? 'unknown'}`);
    const { config, client } = await this.smart();
    let tokens: TokenResponse;
    try {
      tokens = await tokenRequest(config, client, { grant_type: 'refresh_token', refresh_token: this.box.open(grant.refresh_token, `refresh:${grantId}`) });
    } catch (error) {
      // RFC 6749 §5.2: invalid_grant — the refresh token is revoked, expired or unknown.
      if (error instanceof OAuthFailure && error.error === 'invalid_grant') {
        this.db.endGrant(grantId, `the server refused to refresh the grant (${error.message})`, this.now());
        this.cached.delete(grantId);
        throw new GrantEnded(`grant ${grantId} ended: ${error.message}`);
      }
      throw error;
    }
    if (tokens.refresh_token) this.db.updateGrant(grantId, { refresh_token: this.sealRefreshToken(grantId, tokens.refresh_token) }, this.now());
    this.remember(grantId, tokens);
    return tokens.access_token;
  }
}
