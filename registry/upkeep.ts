import { parseStatusBundle, type NotificationReceiver } from '../recipient/index.js';
import { fhirRequest } from './fhir-reader.js';
import { GrantEnded, type GrantTokens } from './grant-tokens.js';
import { FOLLOWED_STATUSES, type GrantRow, type RegistryDb, type SubscriptionRow } from './registry-db.js';
import { introspect, OAuthFailure, revokeToken, type ClientCredentials, type SmartConfiguration } from './smart-client.js';
import type { SecretBox } from './secret-box.js';
import { renewedSubscription } from './subscribe.js';

const FIRST_CHECK_MS = 5_000;

export interface UpkeepOptions {
  /** How often every grant and subscription is looked at. */
  checkEveryMs: number;
  /** A subscription is renewed once its `end` is nearer than this. */
  renewBeforeMs: number;
}

export interface UpkeepContext {
  db: RegistryDb;
  tokens: GrantTokens;
  smart: { config: SmartConfiguration; client: ClientCredentials };
  receiver: NotificationReceiver;
  box: SecretBox;
  fhirBase: string;
  publicUrl: string;
  now: () => number;
  log: (message: string) => void;
}

/**
 * What keeps the registry's sharing honest between notifications, for every grant still active:
 * 1. RFC 7662: introspect the refresh token — `active: false` means revoked or expired: stop.
 * 2. Backport IG `$status` per subscription: its status (`off` means the server stopped it — the
 *    grant is gone or the end passed: stop), its error, and its event counter; events the registry
 *    never received are fetched with `$events` through the receiver (`catchUp`).
 * 3. Renewal: a subscription whose `end` is near is updated with a later `end`; the server caps it
 *    by the grant's lifetime, and the `end` it answers is the one kept.
 * A refresh answered `invalid_grant` or a 401 from the FHIR API stop the sharing too.
 * Nothing here depends on who approved the grant (a clinician, or later the patient taking it over):
 * a grant that keeps working is followed; one that stops working is ended.
 */
export class Upkeep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly ctx: UpkeepContext, private readonly options: UpkeepOptions) {}

  /** Checks soon after start (a registry back from a long downtime catches up at once), then every `checkEveryMs`. */
  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => void this.checkNow().finally(() => { if (!this.stopped) tick(this.options.checkEveryMs); }), delay);
      this.timer.unref();
    };
    tick(Math.min(this.options.checkEveryMs, FIRST_CHECK_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every active grant; a pass already running is joined, not doubled. */
  checkNow(): Promise<void> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** When a subscription's renewal is due (for the staff page). */
  renewalDue(subscription: SubscriptionRow): number | undefined {
    return subscription.end_at ? Date.parse(subscription.end_at) - this.options.renewBeforeMs : undefined;
  }

  /**
   * The registry stops on its own (staff asked): deletes its subscriptions, gives the refresh
   * token back (RFC 7009), and ends the grant with the reason. Best effort on the server's side.
   */
  async stopSharing(grantId: string, reason: string): Promise<void> {
    for (const s of this.ctx.db.subscriptionsOfGrant(grantId)) {
      if (!s.server_id || !FOLLOWED_STATUSES.includes(s.status)) continue;
      await fhirRequest(this.ctx.tokens, grantId, `${this.ctx.fhirBase}/Subscription/${encodeURIComponent(s.server_id)}`, { method: 'DELETE' })
        .catch((error: unknown) => this.ctx.log(`deleting Subscription/${s.server_id}: ${(error as Error).message}`));
    }
    const refreshToken = this.ctx.tokens.refreshToken(grantId);
    if (refreshToken) await revokeToken(this.ctx.smart.config, this.ctx.smart.client, refreshToken).catch((error: unknown) => this.ctx.log(`revoking: ${(error as Error).message}`));
    this.end(grantId, reason);
  }

  private end(grantId: string, reason: string): void {
    if (this.ctx.db.endGrant(grantId, reason, this.ctx.now())) this.ctx.log(`sharing ended for grant ${grantId}: ${reason}`);
    this.ctx.tokens.forget(grantId);
  }

  private async pass(): Promise<void> {
    for (const grant of this.ctx.db.activeGrantsWithSubscriptions()) {
      try {
        await this.checkGrant(grant);
      } catch (error) {
        if (error instanceof GrantEnded) this.end(grant.id, this.ctx.db.grant(grant.id)?.status_reason ?? error.message);
        else this.ctx.log(`checking grant ${grant.id}: ${(error as Error).message}`);
      }
    }
  }

  private async checkGrant(grant: GrantRow): Promise<void> {
    const refreshToken = this.ctx.tokens.refreshToken(grant.id);
    if (refreshToken && this.ctx.smart.config.introspection_endpoint) {
      const answer = await introspect(this.ctx.smart.config, this.ctx.smart.client, refreshToken).catch((error: unknown) => {
        // An introspection endpoint that fails is no verdict: the other checks still run.
        if (error instanceof OAuthFailure) this.ctx.log(`introspection: ${error.message}`);
        return undefined;
      });
      if (answer?.active === false) return this.end(grant.id, 'the server says the authorization is no longer active (token introspection, RFC 7662)');
    }
    for (const subscription of this.ctx.db.subscriptionsOfGrant(grant.id)) {
      if (!subscription.server_id || !FOLLOWED_STATUSES.includes(subscription.status)) continue;
      if (!(await this.checkSubscription(grant, subscription))) return;
    }
  }

  /** Returns false when the grant ended on the way. */
  private async checkSubscription(grant: GrantRow, subscription: SubscriptionRow): Promise<boolean> {
    const { db, fhirBase, now } = this.ctx;
    const id = encodeURIComponent(subscription.server_id!);
    const answer = await fhirRequest(this.ctx.tokens, grant.id, `${fhirBase}/Subscription/${id}/$status`);
    if (answer.status === 401) {
      this.end(grant.id, 'the FHIR API refuses the grant\'s token (HTTP 401)');
      return false;
    }
    if (answer.status === 404 || answer.status === 410) {
      db.updateSubscription(subscription.key, { status: 'gone', last_error: `the server no longer has Subscription/${subscription.server_id} (HTTP ${answer.status})`, checked_at: now() });
      return true;
    }
    // The sharing may have ended while $status was on its way (a 401 in a notification's fetch): leave it ended.
    if (!FOLLOWED_STATUSES.includes(db.subscription(subscription.key)?.status ?? '')) return false;
    const status = answer.status === 200 ? parseStatusBundle(answer.body)[0] : undefined;
    if (!status) {
      db.updateSubscription(subscription.key, { last_error: `$status answered HTTP ${answer.status}`, checked_at: now() });
      return true;
    }
    db.updateSubscription(subscription.key, {
      status: status.status ?? subscription.status, events_since_start: status.eventsSinceSubscriptionStart, checked_at: now(),
      last_error: status.errors.length > 0 ? status.errors.join('; ') : null,
    });
    if (status.status === 'off') {
      this.end(grant.id, `the server turned the subscription off${status.errors.length > 0 ? `: ${status.errors.join('; ')}` : ''} ($status)`);
      return false;
    }
    // Events the server numbered that never arrived (endpoint down, subscription in error): $events.
    // Only those numbered by the previous check already — younger ones may simply be on their way.
    const settled = Math.min(subscription.events_since_start ?? 0, status.eventsSinceSubscriptionStart);
    if (settled > 0) await this.ctx.receiver.catchUp(subscription.key, { ...status, eventsSinceSubscriptionStart: settled });
    const due = this.renewalDue(subscription);
    if (status.status === 'active' && due !== undefined && due <= now()) await this.renew(grant, db.subscription(subscription.key)!);
    return true;
  }

  private async renew(grant: GrantRow, subscription: SubscriptionRow): Promise<void> {
    // A refresh first: it proves the grant alive and slides its idle lifetime, which caps the new end.
    await this.ctx.tokens.accessToken(grant.id, true);
    const url = `${this.ctx.fhirBase}/Subscription/${encodeURIComponent(subscription.server_id!)}`;
    const answer = await fhirRequest(this.ctx.tokens, grant.id, url, { method: 'PUT', body: renewedSubscription(this.ctx, subscription) });
    if (answer.status !== 200 || typeof answer.body?.end !== 'string') {
      this.ctx.db.updateSubscription(subscription.key, { last_error: `renewal refused: HTTP ${answer.status}` });
      return;
    }
    // The server caps `end` by the grant's lifetime: what it answered is the truth.
    this.ctx.db.updateSubscription(subscription.key, { end_at: answer.body.end, renewed_at: this.ctx.now(), renewals: subscription.renewals + 1 });
  }
}
