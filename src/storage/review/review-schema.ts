/**
 * Issue 5 c (migration 8 on both engines; 7 is reserved): the recipient's review policy beside its
 * registration, and the review items — one per held event, keyed like the event itself
 * (subscription, number), so an approved item goes out with the number it was given.
 */
export function reviewSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
    ALTER TABLE auth_clients ADD COLUMN review TEXT NOT NULL DEFAULT 'none';

    CREATE TABLE review_items (
      subscription_id TEXT NOT NULL,
      event_number ${time} NOT NULL,
      client_id TEXT NOT NULL,
      grant_id TEXT,
      patient_id TEXT,
      focus_type TEXT NOT NULL,
      focus_id TEXT NOT NULL,
      focus_version INTEGER NOT NULL,
      interaction TEXT NOT NULL,
      occurred_at ${time} NOT NULL,
      held_at ${time} NOT NULL,
      state TEXT NOT NULL,
      reason TEXT,
      decided_by TEXT,
      decided_at ${time},
      PRIMARY KEY (subscription_id, event_number)
    );
    -- The queue (pending by recipient) and the read gate (a recipient's held resources).
    CREATE INDEX review_items_client_state ON review_items (client_id, state);
    CREATE INDEX review_items_client_focus ON review_items (client_id, focus_type, focus_id, focus_version);
  `;
}
