import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SearchRequest } from '../../model/index.js';
import type { ChangeBatch, HistoryQuery, Store, StoreTransaction, VersionKey } from '../store.js';
import { changeOf } from '../sql/change-rows.js';
import { readCurrent, readHistory, readVersion, readVersions } from '../sql/sql-reads.js';
import { explainPostgres } from '../sql/explain-plan.js';
import { runSearch, searchStatement } from '../sql/run-search.js';
import { StorageBadQuery } from '../storage-errors.js';
import { CommitListeners } from '../commit-listeners.js';
import { normalizePostgresError, postgresExecutor } from './postgres-executor.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { PostgresSignals } from './postgres-signals.js';
import { postgresTransaction } from './postgres-transaction.js';
import { DEFAULT_PREPARED_STATEMENTS, namingClient, StatementNames } from './prepared-statements.js';
import { authRecords, RevocationEpoch } from '../auth/auth-sql.js';
import type { AuthRecords } from '../auth/auth-records.js';
import type { RecordDb } from '../auth/record-db.js';
import { LEASE_HOLDER_PREFIX, subscriptionRecords } from '../subscriptions/subscription-sql.js';
import type { SubscriptionRecords } from '../subscriptions/subscription-records.js';
import { consentRecords } from '../consent/consent-sql.js';
import type { ConsentRecords } from '../consent/consent-records.js';
import { invitationRecords } from '../handover/invitation-sql.js';
import type { InvitationRecords } from '../handover/invitation-records.js';
import { reviewRecords } from '../review/review-sql.js';
import type { ReviewRecords } from '../review/review-records.js';

/** Where a process announces a committed revocation to the others (their token caches, ADR 0003). */
const REVOCATIONS_CHANNEL = 'handover_revocations';
/**
 * The longest a statement waits for a pooled connection. A transaction that reads through the pool
 * while holding a connection (a defect, but one a pool of N meets when N such run at once) would
 * otherwise wait forever, and every request after it behind it: past this it fails as busy (the
 * FHIR API answers 503), rolls back and frees its connection.
 */
const POOL_WAIT_MS = 15_000;
/** Arbitrary, fixed: the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK = 7_100_001;

export interface PostgresStoreOptions {
  /** Connections this process may open. */
  poolSize?: number;
  /** How long a statement waits for a free pooled connection before failing busy (ms). */
  poolWaitMs?: number;
  /** Statements each connection keeps prepared; 0: none (see prepared-statements.ts). */
  preparedStatements?: number;
}

/**
 * The shared engine: many server processes against one PostgreSQL. Reads use the pool directly;
 * a transaction holds one client from BEGIN to COMMIT.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly db;
  readonly auth: AuthRecords;
  readonly subscriptions: SubscriptionRecords;
  readonly consent: ConsentRecords;
  readonly invitations: InvitationRecords;
  readonly review: ReviewRecords;
  readonly signals: PostgresSignals;
  private readonly revocations = new RevocationEpoch();
  private readonly committed = new CommitListeners();
  /** Which statements go out prepared (prepared-statements.ts); exposed for tests. */
  readonly statementNames: StatementNames;

  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    // Every connection names this store instance: a delivery lease it holds is free once none is left.
    const applicationName = `${LEASE_HOLDER_PREFIX}${randomUUID()}`;
    const { poolSize = 10, poolWaitMs = POOL_WAIT_MS, preparedStatements = DEFAULT_PREPARED_STATEMENTS } = options;
    this.statementNames = new StatementNames(preparedStatements);
    this.pool = new pg.Pool({ connectionString, max: poolSize, application_name: applicationName, connectionTimeoutMillis: poolWaitMs,
      Client: namingClient(this.statementNames) });
    this.signals = new PostgresSignals(this.pool, connectionString, applicationName);
    this.pool.on('error', () => undefined); // an idle client's error surfaces on its next use
    this.db = postgresExecutor(this.pool);
    // What every record family runs on: reads and one-statement writes on the pool, units on one client.
    const records: RecordDb = { read: this.db, atomically: (work) => this.inTransaction((client) => work(postgresExecutor(client))), once: (statement) => this.db.query(statement),
      withResources: (work) => this.committed.around((wrote) => postgresTransaction(this.pool, (tx, db) => work(db, tx), wrote)) };
    this.auth = authRecords(records, this.revocations, () => this.signals.notify(REVOCATIONS_CHANNEL, ''));
    this.subscriptions = subscriptionRecords(records, 'postgres', applicationName.slice(LEASE_HOLDER_PREFIX.length));
    this.consent = consentRecords(records, 'postgres');
    this.invitations = invitationRecords(records);
    this.review = reviewRecords(records, 'postgres');
  }

  /** One transaction on one pooled client: BEGIN, the work, COMMIT — or ROLLBACK on any error. */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw normalizePostgresError(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw normalizePostgresError(error);
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } catch (error) {
      throw normalizePostgresError(error);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
    // Every process that serves migrates first: from here on another process's revocation ends
    // this one's cached token checks at once, not after `--token-check-cache-ms`. A signal lost
    // (the listening connection dropped) leaves the cache's own expiry as the bound.
    await this.signals.listen(REVOCATIONS_CHANNEL, () => this.revocations.bump());
  }

  async isReady(): Promise<boolean> {
    try {
      const result = await this.pool.query('SELECT MAX(version) AS v FROM schema_migrations');
      return result.rows[0]?.v === POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;
    } catch {
      return false;
    }
  }

  readCurrent(resourceType: string, id: string) {
    return readCurrent(this.db, resourceType, id);
  }

  readVersion(resourceType: string, id: string, versionId: number) {
    return readVersion(this.db, resourceType, id, versionId);
  }

  history(query: HistoryQuery) {
    return readHistory(this.db, query);
  }

  search(request: SearchRequest) {
    return runSearch(this.db, request);
  }

  explainSearch(request: SearchRequest) {
    return explainPostgres(this.db, searchStatement(request));
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.committed.around((wrote) => postgresTransaction(this.pool, work, wrote));
  }

  onVersionsCommitted(listener: () => void): void {
    this.committed.add(listener);
  }

  /**
   * Sequence numbers are handed out before commit, so a reader that only remembered "the highest
   * seq seen" would skip a slower transaction's lower seq. Instead the change log is read in
   * (xid, seq) order and only rows of transactions older than the snapshot's xmin — every one of
   * them finished — are returned; a writer still in flight has xid ≥ xmin, so its rows, and every
   * row after them, wait until it ends. The cursor is the last (xid, seq) returned.
   * One statement, one snapshot: the batch, its versions (for `contentTypes`) and whether
   * committed rows wait behind a running transaction — the matcher's round trips are its latency.
   */
  async readChanges(cursor: string | null, limit: number, contentTypes: readonly string[] = []): Promise<ChangeBatch> {
    const [xid, seq] = cursor === null ? ['0', '0'] : cursor.split(':');
    if (!/^\d+$/.test(xid ?? '') || !/^\d+$/.test(seq ?? '')) throw new StorageBadQuery('invalid change cursor');
    // A row at or above xmin comes after the cursor (whose xid was below an earlier, never higher, xmin):
    // it is committed (this snapshot sees it) and held back by an older transaction still running.
    const result = await this.pool.query(`WITH snap AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
      batch AS (SELECT seq, xid, resource_type, id, version_id, deleted, last_updated,
          CASE WHEN resource_type = ANY($4::text[]) THEN content END AS content
        FROM resource_versions
        WHERE (xid, seq) > ($1::xid8, $2::bigint) AND xid < (SELECT xmin FROM snap)
        ORDER BY xid, seq LIMIT $3)
      SELECT EXISTS (SELECT 1 FROM resource_versions WHERE xid >= (SELECT xmin FROM snap) AND (xid, seq) > ($1::xid8, $2::bigint)) AS held_back,
        (SELECT version FROM subscription_catalog WHERE id = 1)::text AS catalog_version,
        b.seq, b.xid::text AS xid, b.resource_type, b.id, b.version_id, b.deleted, b.last_updated, b.content,
        p.version_id AS previous_version_id, p.last_updated AS previous_last_updated, p.deleted AS previous_deleted, p.content AS previous_content
      FROM (SELECT 1) AS one
      LEFT JOIN batch b ON true
      LEFT JOIN resource_versions p ON b.resource_type = ANY($4::text[])
        AND p.resource_type = b.resource_type AND p.id = b.id AND p.version_id = b.version_id - 1
      ORDER BY b.xid, b.seq`, [xid, seq, limit, contentTypes]).catch((error: unknown) => { throw normalizePostgresError(error); });
    const all = result.rows as Record<string, unknown>[];
    const rows = all.filter((row) => row.seq !== null);
    const last = rows[rows.length - 1];
    const withContent = new Set(contentTypes);
    return {
      // Fewer rows than asked: any row still after the last one is held back by an older transaction.
      heldBack: rows.length < limit && all[0]?.held_back === true,
      catalogVersion: String(all[0]?.catalog_version ?? '0'),
      changes: rows.map((row) => changeOf(row, withContent.has(String(row.resource_type)))),
      cursor: last ? `${String(last.xid)}:${String(last.seq)}` : cursor,
    };
  }

  readVersions(keys: readonly VersionKey[]) {
    return readVersions(this.db, keys);
  }

  /** Several processes serve one PostgreSQL database (leases with SKIP LOCKED, the cursor's compare-and-set). */
  async claimServing(): Promise<void> {}

  async isEmpty(): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM resources LIMIT 1')).rowCount === 0;
  }

  async close(): Promise<void> {
    await this.signals.close();
    await this.pool.end();
  }
}
