import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SearchRequest } from '../../model/index.js';
import { CommitListeners } from '../commit-listeners.js';
import type { Store, StoreReader, StoreTransaction, HistoryQuery, ChangeBatch, VersionKey, VersionWrite } from '../store.js';
import { changeOf } from '../sql/change-rows.js';
import { readCurrent, readCurrents, readHistory, readVersion, readVersions } from '../sql/sql-reads.js';
import { explainSqlite } from '../sql/explain-plan.js';
import { runSearch, searchStatement } from '../sql/run-search.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { StorageBadQuery, StorageInUse } from '../storage-errors.js';
import { sql } from '../sql/sql-fragment.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { guard, sqliteExecutor } from './sqlite-executor.js';
import { sqliteVersionWriter } from './sqlite-write-version.js';
import { GroupCommit } from './group-commit.js';
import { ReadSnapshot } from './read-snapshot.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { authRecords } from '../auth/auth-sql.js';
import type { AuthRecords } from '../auth/auth-records.js';
import type { RecordDb } from '../auth/record-db.js';
import { subscriptionRecords } from '../subscriptions/subscription-sql.js';
import type { SubscriptionRecords } from '../subscriptions/subscription-records.js';
import { consentRecords, grantIdsOfConsent } from '../consent/consent-sql.js';
import type { ConsentRecords } from '../consent/consent-records.js';
import { invitationRecords } from '../handover/invitation-sql.js';
import type { InvitationRecords } from '../handover/invitation-records.js';
import { reviewRecords } from '../review/review-sql.js';
import type { ReviewRecords } from '../review/review-records.js';

/** WAL pages (4 KiB) after which the writer restarts the WAL: ~40 MiB. */
const WAL_RESTART_PAGES = 10_000;

export interface SqliteOptions {
  synchronous: 'normal' | 'full';
}

/**
 * The embedded engine: one file in WAL mode. One connection writes (transactions are serialized
 * in-process, which is also SQLite's own rule, and committed in groups: group-commit.ts). Reads
 * use that connection too while no group is open on it, and a second connection while one is, so
 * reads never see a transaction in flight and never wait for one. Sequence order is commit order
 * here: one writer at a time.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writeDb: SqlExecutor;
  private readonly readDb: SqlExecutor;
  private writeVersion: ((write: VersionWrite) => void) | undefined;
  private readonly commits: GroupCommit;
  private readonly committed = new CommitListeners();
  private readonly writerSnapshot: ReadSnapshot;
  private readonly readerSnapshot: ReadSnapshot;
  private readonly checkpointer: WalCheckpointer | undefined;
  private closed = false;
  /** The serving process's hold on the database (claimServing). */
  private servingLock: Database.Database | undefined;
  readonly auth: AuthRecords;
  readonly subscriptions: SubscriptionRecords;
  readonly consent: ConsentRecords;
  readonly invitations: InvitationRecords;
  readonly review: ReviewRecords;

  constructor(private readonly path: string, options: SqliteOptions) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.writer = new Database(path);
    this.writer.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); FULL also survives power loss.
    this.writer.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
    this.writer.pragma('busy_timeout = 5000');
    // 64 MiB of page cache: the search index has ~15 B-trees written per resource, and the
    // default 2 MiB cache makes bulk loads re-read their own index pages.
    this.writer.pragma('cache_size = -65536');
    // Statement and savepoint journals (every write in a group commit runs in a SAVEPOINT) in
    // memory: by default SQLite spills them to a temp file per transaction, one pwrite per page
    // first touched — it was 4 of every 5 writes syscalls a create made, and ~60% of its write time.
    this.writer.pragma('temp_store = MEMORY');
    if (path !== ':memory:') {
      // Checkpoints run on their own thread (wal-checkpointer.ts). The writer still checkpoints
      // every WAL_RESTART_PAGES: only the tail the thread has not copied yet, after which the next
      // write starts the WAL from its beginning again, so it stays bounded under a steady load.
      this.writer.pragma(`wal_autocheckpoint = ${WAL_RESTART_PAGES}`);
      this.checkpointer = new WalCheckpointer(path, () => {
        if (!this.closed) this.writer.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.reader = new Database(path, { readonly: false });
    this.reader.pragma('busy_timeout = 5000');
    this.reader.pragma('cache_size = -65536');
    this.writeDb = sqliteExecutor(this.writer);
    this.commits = new GroupCommit(this.writer, {
      // BEGIN IMMEDIATE needs the writer out of its read snapshot; the reader's ends so that a
      // snapshot never pins the WAL the writer may restart, and after the commit so that the
      // next read sees it.
      beforeBegin: () => { this.writerSnapshot.end(); this.readerSnapshot.end(); },
      afterEnd: () => this.readerSnapshot.end(),
    });
    this.writerSnapshot = new ReadSnapshot(this.writer);
    this.readerSnapshot = new ReadSnapshot(this.reader);
    const onWriter = sqliteExecutor(this.writer, () => this.writerSnapshot.enter());
    const onReader = sqliteExecutor(this.reader, () => this.readerSnapshot.enter());
    // Reads run on the writer's connection whenever no group transaction is open on it, and on
    // the reader's otherwise (never seeing a transaction in flight). Why: SQLite drops a
    // connection's whole page cache when another connection has committed since its last read, so
    // the reader, with a commit between most of its reads under load (a disclosure row per read),
    // re-read every page from the OS — ~100 µs of a ~400 µs search. The writer's cache stays warm
    // through its own commits.
    this.readDb = { query: (statement) => (this.commits.writing ? onReader : onWriter).query(statement) };
    // What every record family runs on: reads as above, writes through the group commit.
    const records: RecordDb = { read: this.readDb, atomically: (work) => this.commits.run(() => work(this.writeDb)), once: (statement) => this.commits.run(() => this.writeDb.query(statement)),
      withResources: (work) => this.committed.around((wrote) => this.commits.run(() => work(this.writeDb, this.transactionView(wrote)))) };
    this.auth = authRecords(records);
    this.subscriptions = subscriptionRecords(records, 'sqlite', randomUUID());
    this.consent = consentRecords(records, 'sqlite');
    this.invitations = invitationRecords(records);
    this.review = reviewRecords(records, 'sqlite');
  }

  async migrate(): Promise<void> {
    guard(() => {
      this.writer.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const applied = new Set((this.writer.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.writer.transaction(() => {
          this.writer.exec(migration.sql);
          this.writer.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, new Date().toISOString());
        }).immediate();
      }
    });
  }

  async isReady(): Promise<boolean> {
    try {
      const row = this.reader.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
      return row.v === SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;
    } catch {
      return false;
    }
  }

  readCurrent(resourceType: string, id: string) {
    return readCurrent(this.readDb, resourceType, id);
  }

  readVersion(resourceType: string, id: string, versionId: number) {
    return readVersion(this.readDb, resourceType, id, versionId);
  }

  history(query: HistoryQuery) {
    return readHistory(this.readDb, query);
  }

  search(request: SearchRequest) {
    return runSearch(this.readDb, request);
  }

  explainSearch(request: SearchRequest) {
    return explainSqlite(this.readDb, searchStatement(request));
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.committed.around((wrote) => this.commits.run(() => work(this.transactionView(wrote))));
  }

  onVersionsCommitted(listener: () => void): void {
    this.committed.add(listener);
  }

  /** `wrote`: told of each version written (the commit listeners run after the commit if any was). */
  private transactionView(wrote: () => void): StoreTransaction {
    const db = this.writeDb;
    const reader: StoreReader = {
      readCurrent: (type, id) => readCurrent(db, type, id),
      readVersion: (type, id, vid) => readVersion(db, type, id, vid),
      history: (query) => readHistory(db, query),
      search: (request) => runSearch(db, request),
    };
    return {
      ...reader,
      readCurrentForUpdate: (type, id) => readCurrent(db, type, id),
      readCurrentsForUpdate: (keys) => readCurrents(db, keys),
      // Nothing to wait for: write transactions run one after another on the one writer, and each
      // sees every write before it (the earlier members of its group on the same connection).
      serializeOn: async () => undefined,
      grantIdsOfConsent: (consentId) => grantIdsOfConsent(db, consentId),
      writeVersion: async (write) => {
        // Prepared after migrations, on first use: the statements need the tables.
        this.writeVersion ??= sqliteVersionWriter(this.writer);
        this.writeVersion(write);
        wrote();
      },
    };
  }

  async readChanges(cursor: string | null, limit: number, contentTypes: readonly string[] = []): Promise<ChangeBatch> {
    const after = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after)) throw new StorageBadQuery('invalid change cursor');
    // The types as one JSON parameter: one statement text, prepared once, whatever the types.
    const types = JSON.stringify([...new Set(contentTypes)]);
    const rows = await this.readDb.query(sql`SELECT v.seq, v.resource_type, v.id, v.version_id, v.deleted, v.last_updated,
        CASE WHEN t.value IS NOT NULL THEN v.content END AS content,
        p.version_id AS previous_version_id, p.last_updated AS previous_last_updated, p.deleted AS previous_deleted, p.content AS previous_content
      FROM resource_versions v
      LEFT JOIN json_each(${types}) t ON t.value = v.resource_type
      LEFT JOIN resource_versions p ON t.value IS NOT NULL AND p.resource_type = v.resource_type AND p.id = v.id AND p.version_id = v.version_id - 1
      WHERE v.seq > ${after} ORDER BY v.seq LIMIT ${limit}`);
    // Read after the changes, so at least as new as they are (ChangeBatch.catalogVersion).
    const catalog = await this.readDb.query(sql`SELECT version FROM subscription_catalog WHERE id = 1`);
    const last = rows[rows.length - 1];
    const withContent = new Set(contentTypes);
    return {
      changes: rows.map((row) => changeOf(row, withContent.has(String(row.resource_type)))),
      cursor: last ? String(last.seq) : cursor,
      catalogVersion: String(catalog[0]?.version ?? '0'),
    };
  }

  async readVersions(keys: readonly VersionKey[]) {
    return readVersions(this.readDb, keys);
  }

  /**
   * An exclusive transaction held open on a small side file (`<database>-serving.lock`) for the
   * process's life: the operating system drops the lock when the process ends, however it ends
   * (kill -9 included), so there is no stale lock to clean up. A second serving process finds it
   * busy and refuses to start — two would take each other's delivery leases (each holder looks
   * gone to the other) and deliver twice. CLI commands that only write (seed, users) do not claim.
   */
  async claimServing(): Promise<void> {
    if (this.path === ':memory:' || this.servingLock) return;
    const lock = new Database(`${this.path}-serving.lock`, { timeout: 0 });
    try {
      lock.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      lock.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new StorageInUse(`another Handover process is serving ${this.path}; SQLite is served by one process (use PostgreSQL to run several)`);
      throw error;
    }
    this.servingLock = lock;
  }

  async isEmpty(): Promise<boolean> {
    return this.reader.prepare('SELECT 1 FROM resources LIMIT 1').get() === undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.idle();
    await this.checkpointer?.close();
    this.readerSnapshot.end();
    this.writerSnapshot.end();
    this.reader.close();
    // A clean close checkpoints the WAL into the main file.
    this.writer.close();
    this.servingLock?.close();
  }
}
