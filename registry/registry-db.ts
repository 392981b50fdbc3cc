import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The registry's own SQLite file (never the server's). Secrets in it are sealed by SecretBox
 * before they get here; this module only stores rows. snake_case SQL, one statement per method.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logins (state TEXT PRIMARY KEY, browser TEXT NOT NULL, verifier TEXT NOT NULL, nonce TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, fhir_user TEXT, scope TEXT NOT NULL,
  refresh_token TEXT, status TEXT NOT NULL, status_reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, grant_id TEXT NOT NULL, csrf TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS referrals (id TEXT PRIMARY KEY, grant_id TEXT NOT NULL, patient_id TEXT NOT NULL, patient_name TEXT NOT NULL,
  reason TEXT NOT NULL, urgency TEXT NOT NULL, referred_by TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (key TEXT PRIMARY KEY, referral_id TEXT NOT NULL, grant_id TEXT NOT NULL, patient_id TEXT NOT NULL,
  topic TEXT NOT NULL, content TEXT NOT NULL, header TEXT NOT NULL, server_id TEXT, end_at TEXT, status TEXT NOT NULL,
  tracker_state TEXT, last_notification_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL,
  events_since_start INTEGER, checked_at INTEGER, renewed_at INTEGER, renewals INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS list_items (patient_id TEXT NOT NULL, list TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,
  json TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (patient_id, resource_type, resource_id));
CREATE TABLE IF NOT EXISTS notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_key TEXT NOT NULL, received_at INTEGER NOT NULL,
  type TEXT NOT NULL, events_since_start INTEGER NOT NULL, report TEXT NOT NULL, status TEXT);
CREATE TABLE IF NOT EXISTS events (subscription_key TEXT NOT NULL, event_number INTEGER NOT NULL, notification_id INTEGER NOT NULL,
  focus TEXT, interaction TEXT, withheld INTEGER NOT NULL, recovered INTEGER NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (subscription_key, event_number));
`;

/** Columns added after a table was first created (part b): added in place to an older file. */
const ADDED_COLUMNS: Record<string, [string, string][]> = {
  subscriptions: [['events_since_start', 'INTEGER'], ['checked_at', 'INTEGER'], ['renewed_at', 'INTEGER'], ['renewals', 'INTEGER NOT NULL DEFAULT 0']],
  notifications: [['status', 'TEXT']],
};

/** A grant as the registry holds it: `active`, or `ended` (revoked, expired, stopped) with the reason and when it noticed. */
export interface GrantRow { id: string; patient_id: string; fhir_user: string | null; scope: string; refresh_token: string | null; status: string; status_reason: string | null; updated_at: number }
export interface ReferralRow { id: string; grant_id: string; patient_id: string; patient_name: string; reason: string; urgency: string; referred_by: string | null; created_at: number }
export interface SubscriptionRow {
  key: string; referral_id: string; grant_id: string; patient_id: string; topic: string; content: string; header: string;
  server_id: string | null; end_at: string | null; status: string; tracker_state: string | null; last_notification_at: number | null; last_error: string | null;
  /** The server's `events-since-subscription-start` as last seen ($status or a notification). */
  events_since_start: number | null; checked_at: number | null; renewed_at: number | null; renewals: number;
}
type NewSubscription = Omit<SubscriptionRow, 'events_since_start' | 'checked_at' | 'renewed_at' | 'renewals'> & { created_at: number };
/** Subscription states that end nothing: the registry still follows them. */
export const FOLLOWED_STATUSES = ['requested', 'active', 'error'];
export interface ListItemRow { patient_id: string; list: string; resource_type: string; resource_id: string; json: string; updated_at: number }
/** One notification as received (or a catch-up from `$status`); `status` is the subscription's status the server reported in it. */
export interface NotificationRow { id: number; subscription_key: string; received_at: number; type: string; status: string | null; events_since_start: number; report: string }
export interface EventRow { subscription_key: string; event_number: number; notification_id: number; focus: string | null; interaction: string | null; withheld: number; recovered: number; outcome: string }

export class RegistryDb {
  readonly sql: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.sql = new Database(file);
    this.sql.pragma('journal_mode = WAL');
    // FULL: an event acknowledged to the server (200) survives a power loss too.
    this.sql.pragma('synchronous = FULL');
    this.sql.exec(SCHEMA);
    for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
      const present = new Set((this.sql.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      for (const [name, type] of columns) if (!present.has(name)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
    }
  }

  close(): void {
    this.sql.close();
  }

  transaction<T>(work: () => T): T {
    return this.sql.transaction(work)();
  }

  setting(name: string): string | undefined {
    return (this.sql.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  setSetting(name: string, value: string): void {
    this.sql.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  insertLogin(login: { state: string; browser: string; verifier: string; nonce: string; created_at: number }): void {
    this.sql.prepare('INSERT INTO logins (state, browser, verifier, nonce, created_at) VALUES (@state, @browser, @verifier, @nonce, @created_at)').run(login);
  }

  /** A login is single use: taken and deleted together. */
  takeLogin(state: string): { state: string; browser: string; verifier: string; nonce: string; created_at: number } | undefined {
    return this.transaction(() => {
      const row = this.sql.prepare('SELECT * FROM logins WHERE state = ?').get(state) as ReturnType<RegistryDb['takeLogin']>;
      this.sql.prepare('DELETE FROM logins WHERE state = ?').run(state);
      return row;
    });
  }

  insertGrant(grant: Omit<GrantRow, 'status_reason' | 'updated_at'> & { created_at: number }): void {
    this.sql.prepare(`INSERT INTO grants (id, patient_id, fhir_user, scope, refresh_token, status, created_at, updated_at)
      VALUES (@id, @patient_id, @fhir_user, @scope, @refresh_token, @status, @created_at, @created_at)`).run(grant);
  }

  grant(id: string): GrantRow | undefined {
    return this.sql.prepare('SELECT * FROM grants WHERE id = ?').get(id) as GrantRow | undefined;
  }

  updateGrant(id: string, change: { refresh_token?: string | null; status?: string; status_reason?: string | null }, now: number): void {
    const current = this.grant(id);
    if (!current) return;
    this.sql.prepare('UPDATE grants SET refresh_token = ?, status = ?, status_reason = ?, updated_at = ? WHERE id = ?').run(
      change.refresh_token === undefined ? current.refresh_token : change.refresh_token, change.status ?? current.status,
      change.status_reason === undefined ? current.status_reason : change.status_reason, now, id);
  }

  /** Grants still in use that have subscriptions to look after. */
  activeGrantsWithSubscriptions(): GrantRow[] {
    return this.sql.prepare(`SELECT * FROM grants g WHERE g.status = 'active' AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.grant_id = g.id)
      ORDER BY g.created_at`).all() as GrantRow[];
  }

  /**
   * The sharing behind a grant is over (revoked, expired, stopped): the grant forgets its refresh
   * token and keeps the reason; its subscriptions stop being followed. One transaction; idempotent.
   */
  endGrant(id: string, reason: string, now: number): boolean {
    return this.transaction(() => {
      const ended = this.sql.prepare("UPDATE grants SET status = 'ended', status_reason = ?, refresh_token = NULL, updated_at = ? WHERE id = ? AND status = 'active'").run(reason, now, id).changes > 0;
      this.sql.prepare(`UPDATE subscriptions SET status = 'stopped', last_error = ? WHERE grant_id = ? AND status IN (${FOLLOWED_STATUSES.map(() => '?').join(', ')})`)
        .run(reason, id, ...FOLLOWED_STATUSES);
      return ended;
    });
  }

  insertSession(session: { id: string; grant_id: string; csrf: string; created_at: number }): void {
    this.sql.prepare('INSERT INTO sessions (id, grant_id, csrf, created_at) VALUES (@id, @grant_id, @csrf, @created_at)').run(session);
  }

  session(id: string): { id: string; grant_id: string; csrf: string; created_at: number } | undefined {
    return this.sql.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as ReturnType<RegistryDb['session']>;
  }

  insertReferral(referral: ReferralRow): void {
    this.sql.prepare(`INSERT INTO referrals (id, grant_id, patient_id, patient_name, reason, urgency, referred_by, created_at)
      VALUES (@id, @grant_id, @patient_id, @patient_name, @reason, @urgency, @referred_by, @created_at)`).run(referral);
  }

  referrals(): ReferralRow[] {
    return this.sql.prepare('SELECT * FROM referrals ORDER BY created_at DESC').all() as ReferralRow[];
  }

  insertSubscription(row: NewSubscription): void {
    this.sql.prepare(`INSERT INTO subscriptions (key, referral_id, grant_id, patient_id, topic, content, header, server_id, end_at, status, tracker_state, last_notification_at, last_error, created_at)
      VALUES (@key, @referral_id, @grant_id, @patient_id, @topic, @content, @header, @server_id, @end_at, @status, @tracker_state, @last_notification_at, @last_error, @created_at)`).run(row);
  }

  subscription(key: string): SubscriptionRow | undefined {
    return this.sql.prepare('SELECT * FROM subscriptions WHERE key = ?').get(key) as SubscriptionRow | undefined;
  }

  subscriptionsOfGrant(grantId: string): SubscriptionRow[] {
    return this.sql.prepare('SELECT * FROM subscriptions WHERE grant_id = ? ORDER BY created_at').all(grantId) as SubscriptionRow[];
  }

  subscriptionsOfPatient(patientId: string): SubscriptionRow[] {
    return this.sql.prepare('SELECT * FROM subscriptions WHERE patient_id = ? ORDER BY created_at').all(patientId) as SubscriptionRow[];
  }

  updateSubscription(key: string, change: Partial<Omit<SubscriptionRow, 'key' | 'referral_id' | 'grant_id' | 'patient_id' | 'topic' | 'content' | 'header'>>): void {
    const names = Object.keys(change);
    if (names.length === 0) return;
    this.sql.prepare(`UPDATE subscriptions SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE key = @key`).run({ ...change, key });
  }

  upsertListItem(item: ListItemRow): void {
    this.sql.prepare(`INSERT INTO list_items (patient_id, list, resource_type, resource_id, json, updated_at) VALUES (@patient_id, @list, @resource_type, @resource_id, @json, @updated_at)
      ON CONFLICT (patient_id, resource_type, resource_id) DO UPDATE SET list = excluded.list, json = excluded.json, updated_at = excluded.updated_at`).run(item);
  }

  removeListItem(patientId: string, resourceType: string, resourceId: string): void {
    this.sql.prepare('DELETE FROM list_items WHERE patient_id = ? AND resource_type = ? AND resource_id = ?').run(patientId, resourceType, resourceId);
  }

  listItems(patientId: string): ListItemRow[] {
    return this.sql.prepare('SELECT * FROM list_items WHERE patient_id = ? ORDER BY list, resource_type, resource_id').all(patientId) as ListItemRow[];
  }

  insertNotification(row: Omit<NotificationRow, 'id'>): number {
    return Number(this.sql.prepare('INSERT INTO notifications (subscription_key, received_at, type, status, events_since_start, report) VALUES (@subscription_key, @received_at, @type, @status, @events_since_start, @report)').run(row).lastInsertRowid);
  }

  notificationsOfPatient(patientId: string, limit = 200): (NotificationRow & { topic: string })[] {
    return this.sql.prepare(`SELECT n.*, s.topic FROM notifications n JOIN subscriptions s ON s.key = n.subscription_key
      WHERE s.patient_id = ? ORDER BY n.id DESC LIMIT ?`).all(patientId, limit) as (NotificationRow & { topic: string })[];
  }

  insertEvent(row: EventRow): void {
    this.sql.prepare(`INSERT INTO events (subscription_key, event_number, notification_id, focus, interaction, withheld, recovered, outcome)
      VALUES (@subscription_key, @event_number, @notification_id, @focus, @interaction, @withheld, @recovered, @outcome)`).run(row);
  }

  eventsOf(key: string): EventRow[] {
    return this.sql.prepare('SELECT * FROM events WHERE subscription_key = ? ORDER BY event_number').all(key) as EventRow[];
  }
}
