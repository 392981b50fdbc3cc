/**
 * Issue 5 b (migration 5 on both engines): invitations and their links (token digests). An
 * invitation is answered once; its links die with it.
 */
export function invitationSchema(engine: 'sqlite' | 'postgres'): string {
  const time = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
    CREATE TABLE invitations (
      id TEXT PRIMARY KEY,
      grant_id TEXT NOT NULL,
      consent_id TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      invited_by TEXT NOT NULL,
      invited_by_name TEXT NOT NULL,
      created_at ${time} NOT NULL,
      expires_at ${time} NOT NULL,
      email_to TEXT,
      emailed_at ${time},
      email_error TEXT,
      ended_at ${time},
      outcome TEXT,
      new_consent_id TEXT
    );
    CREATE INDEX invitations_patient ON invitations (patient_id, created_at);

    CREATE TABLE invitation_links (
      token_hash TEXT PRIMARY KEY,
      invitation_id TEXT NOT NULL,
      channel TEXT NOT NULL,
      created_at ${time} NOT NULL
    );
  `;
}
