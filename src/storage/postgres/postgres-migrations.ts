import { authSchema } from '../auth/auth-schema.js';
import { subscriptionLeaseOwnerSchema, subscriptionCatalogSchema, subscriptionSchema } from '../subscriptions/subscription-schema.js';
import { consentSchema, disclosureBatchSchema, disclosureSeqSchema } from '../consent/consent-schema.js';
import { invitationSchema } from '../handover/invitation-schema.js';
import { reviewSchema } from '../review/review-schema.js';

/**
 * Numbered migrations, applied in order at start under an advisory lock (several processes may
 * start at once) and recorded in `schema_migrations`. Never edit a released migration.
 */
export const POSTGRES_MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE resources (
        rid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        resource_type TEXT NOT NULL,
        id TEXT NOT NULL,
        version_id INTEGER NOT NULL,
        last_updated BIGINT NOT NULL,
        deleted SMALLINT NOT NULL DEFAULT 0,
        content TEXT,
        UNIQUE (resource_type, id)
      );
      CREATE INDEX resources_type_updated ON resources (resource_type, last_updated);
      -- A type's resources in rid order: the default search order, paged by keyset (rid > ?).
      CREATE INDEX resources_type_rid ON resources (resource_type, rid);

      -- The history doubles as the change log. seq values are handed out before commit, so
      -- commits can land out of seq order; xid (the writing transaction) lets readers wait for
      -- the oldest in-flight writer instead of skipping its rows (see readChanges).
      CREATE TABLE resource_versions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
        rid BIGINT NOT NULL,
        resource_type TEXT NOT NULL,
        id TEXT NOT NULL,
        version_id INTEGER NOT NULL,
        last_updated BIGINT NOT NULL,
        superseded_at BIGINT,
        deleted SMALLINT NOT NULL DEFAULT 0,
        content TEXT,
        UNIQUE (resource_type, id, version_id)
      );
      CREATE INDEX resource_versions_change_log ON resource_versions (xid, seq);
      CREATE INDEX resource_versions_rid ON resource_versions (rid, seq);
      CREATE INDEX resource_versions_type ON resource_versions (resource_type, seq);
      CREATE INDEX resource_versions_updated ON resource_versions (last_updated);

      -- Search index: *_lookup serves the clause a search is driven by (resource_type, param,
      -- value…); *_rid serves the per-row probes of the other clauses and of sort keys (rid, param).
      CREATE TABLE sp_string (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, value TEXT, normalized TEXT);
      CREATE INDEX sp_string_lookup ON sp_string (resource_type, param, normalized text_pattern_ops);
      CREATE INDEX sp_string_rid ON sp_string (rid, param);

      CREATE TABLE sp_token (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT, text TEXT);
      CREATE INDEX sp_token_lookup ON sp_token (resource_type, param, code, system);
      CREATE INDEX sp_token_rid ON sp_token (rid, param);

      CREATE TABLE sp_reference (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, target_type TEXT, target_id TEXT, url TEXT);
      CREATE INDEX sp_reference_lookup ON sp_reference (resource_type, param, target_id, target_type);
      CREATE INDEX sp_reference_target ON sp_reference (target_id, target_type);
      CREATE INDEX sp_reference_rid ON sp_reference (rid, param);

      CREATE TABLE sp_date (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, low DOUBLE PRECISION, high DOUBLE PRECISION);
      CREATE INDEX sp_date_lookup ON sp_date (resource_type, param, low, high);
      CREATE INDEX sp_date_rid ON sp_date (rid, param);

      CREATE TABLE sp_number (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, low DOUBLE PRECISION, high DOUBLE PRECISION);
      CREATE INDEX sp_number_lookup ON sp_number (resource_type, param, low, high);
      CREATE INDEX sp_number_rid ON sp_number (rid, param);

      CREATE TABLE sp_quantity (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT, low DOUBLE PRECISION, high DOUBLE PRECISION);
      CREATE INDEX sp_quantity_lookup ON sp_quantity (resource_type, param, code, low);
      CREATE INDEX sp_quantity_rid ON sp_quantity (rid, param);

      CREATE TABLE sp_uri (rid BIGINT NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, value TEXT);
      CREATE INDEX sp_uri_lookup ON sp_uri (resource_type, param, value);
      CREATE INDEX sp_uri_rid ON sp_uri (rid, param);
    `,
  },
  // The authorization server's records (docs/adr/0003-grant-model.md).
  { version: 2, sql: authSchema('postgres') },
  // The subscriptions engine's records (src/storage/subscriptions).
  { version: 3, sql: subscriptionSchema('postgres') },
  // Issue 5: the disclosure log and grants by Consent (src/storage/consent).
  { version: 4, sql: consentSchema('postgres') },
  // Issue 5 b: the handover's invitations (src/storage/handover); 4 is the consent records'.
  { version: 5, sql: invitationSchema('postgres') },
  // Delivery leases name their holder (src/storage/subscriptions/subscription-sql.ts claimDue).
  { version: 6, sql: subscriptionLeaseOwnerSchema() },
  // The disclosure log's materializer claims rows in batches (src/storage/consent).
  { version: 7, sql: disclosureBatchSchema('postgres') },
  // Issue 5 c: review before sending — the recipient's policy and the held events (src/storage/review).
  { version: 8, sql: reviewSchema('postgres') },
  // Every read with a grant inserts a disclosure row: a layout whose insert writes two B-trees, not five (src/storage/consent).
  { version: 9, sql: disclosureSeqSchema('postgres') },
  // The matcher keeps its candidates in memory while the subscription catalog's version stands (src/storage/subscriptions).
  { version: 10, sql: subscriptionCatalogSchema() },
];
