import type Database from 'better-sqlite3';

/**
 * The reads of one event-loop turn share one read transaction on the reader connection.
 *
 * Why: on a WAL database an autocommit SELECT takes and drops the file's shared lock itself — two
 * `fcntl` and an `fstat` per statement, ~7 of the ~10 µs a primary-key read costs on this machine
 * (measured with strace; in a transaction the same read costs ~3 µs). A transaction opened by the
 * first read of a turn and ended on the next `setImmediate` pays that once per turn.
 *
 * Freshness: the group commit ends the reading connection's snapshot after each commit (`end()`),
 * so a read that follows a commit in this process always sees it, as before; another process's
 * commit is seen from the next turn. Snapshots also end before `BEGIN IMMEDIATE` (the writer's
 * connection cannot begin a write inside its read snapshot, and a snapshot must not pin the WAL
 * when the writer wants to restart it). Wiring: sqlite-store.ts.
 */
export class ReadSnapshot {
  private open = false;

  constructor(private readonly db: Database.Database) {}

  /** Before each read statement. `BEGIN` is deferred: the snapshot is taken by the first SELECT. */
  enter(): void {
    if (this.open) return;
    this.db.exec('BEGIN');
    this.open = true;
    setImmediate(() => this.end());
  }

  end(): void {
    if (!this.open) return;
    this.open = false;
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }
}
