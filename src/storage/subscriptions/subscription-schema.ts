/**
 * The subscriptions engine's tables (migration 3 on both engines). Times are epoch ms. Event
 * numbers are per subscription, from 1, never reused: `events_since_start` is the last number
 * handed out and only ever grows (Backport IG "events-since-subscription-start").
 */
export function subscriptionSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
    CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY,
      grant_id TEXT,
      topic_url TEXT NOT NULL,
      -- The one patient the filters confine it to (candidate index); null = any patient.
      patient_key TEXT,
      settings TEXT NOT NULL,
      status TEXT NOT NULL,
      events_since_start ${time} NOT NULL DEFAULT 0,
      last_delivered ${time} NOT NULL DEFAULT 0,
      error TEXT,
      -- Start of the current run of failures: the retry budget counts from here.
      failing_since ${time},
      failures INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${time},
      leased_until ${time},
      last_sent_at ${time},
      created_at ${time} NOT NULL,
      updated_at ${time} NOT NULL
    );
    CREATE INDEX subscriptions_candidates ON subscriptions (topic_url, patient_key);
    CREATE INDEX subscriptions_due ON subscriptions (next_attempt_at);
    CREATE INDEX subscriptions_grant ON subscriptions (grant_id);

    CREATE TABLE subscription_events (
      subscription_id TEXT NOT NULL,
      event_number ${time} NOT NULL,
      focus_type TEXT NOT NULL,
      focus_id TEXT NOT NULL,
      focus_version INTEGER NOT NULL,
      interaction TEXT NOT NULL,
      occurred_at ${time} NOT NULL,
      recorded_at ${time} NOT NULL,
      delivered_at ${time},
      PRIMARY KEY (subscription_id, event_number)
    );
    CREATE INDEX subscription_events_delivered ON subscription_events (delivered_at);

    CREATE TABLE subscription_matcher_cursors (
      name TEXT PRIMARY KEY,
      position TEXT NOT NULL,
      updated_at ${time} NOT NULL
    );

    CREATE TABLE subscription_delivery_attempts (
      subscription_id TEXT NOT NULL,
      attempted_at ${time} NOT NULL,
      kind TEXT NOT NULL,
      first_event ${time},
      last_event ${time},
      ok INTEGER NOT NULL,
      status_code INTEGER,
      latency_ms INTEGER NOT NULL,
      error TEXT
    );
    CREATE INDEX subscription_delivery_attempts_subscription ON subscription_delivery_attempts (subscription_id, attempted_at);
    CREATE INDEX subscription_delivery_attempts_time ON subscription_delivery_attempts (attempted_at);
  `;
}

/**
 * Migration 4: who holds a delivery lease (the store instance that claimed it), so a lease of a
 * process that died — `kill -9` mid-round — is taken over at once instead of when it expires.
 */
export function subscriptionLeaseOwnerSchema(): string {
  return 'ALTER TABLE subscriptions ADD COLUMN leased_by TEXT;';
}

/**
 * Migration 10: the subscription catalog's version — moved by every write that can add a matcher
 * candidate or change one, in that write's transaction, and read with each batch of the change
 * log: a matcher keeps the candidates in memory while the version stands (SubscriptionRecords.catalog).
 */
export function subscriptionCatalogSchema(): string {
  return `
    CREATE TABLE subscription_catalog (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
    INSERT INTO subscription_catalog (id, version) VALUES (1, 0);
  `;
}
