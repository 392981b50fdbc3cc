import type Database from 'better-sqlite3';
import { guard } from './sqlite-executor.js';

interface Pending {
  work: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Most transactions committed together; bounds the latency one group adds. */
const MAX_GROUP = 64;
/**
 * Extra event-loop turns a group waits when the last one had more than one transaction
 * (PostgreSQL's `commit_delay` with `commit_siblings`, counted in turns). A commit's cost is mostly
 * its WAL page writes — two `pwrite`s per page, ~25 pages per create — and creates in one group
 * share many pages: at 10 concurrent creates, ~10 % less CPU per create with two turns. A lone
 * writer does not wait.
 */
const LINGER_TURNS = 2;

/**
 * Group commit for the single SQLite writer. Transactions that queue up while one runs are run
 * together inside one BEGIN … COMMIT, each in its own SAVEPOINT: a failing one rolls back only
 * itself, and every caller is answered only after the shared COMMIT, so an acknowledged write is
 * exactly as durable as before. One commit (WAL append, and with `synchronous=full` one fsync)
 * then serves many writers instead of one — the standard remedy for commit-bound write loads.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;

  private open = false;
  private lastGroup = 0;

  /**
   * `hooks.beforeBegin` runs before each BEGIN IMMEDIATE, `hooks.afterEnd` after each COMMIT or
   * ROLLBACK: read snapshots end there (read-snapshot.ts, sqlite-store.ts).
   */
  constructor(private readonly db: Database.Database, private readonly hooks: { beforeBegin?: () => void; afterEnd?: () => void } = {}) {}

  /** A group's transaction is open on the connection: reads must go elsewhere, or they would see its uncommitted writes. */
  get writing(): boolean {
    return this.open;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // Let requests already received by the event loop join this group before it starts, and
        // when the last group had company, wait LINGER_TURNS more turns for the requests still
        // being read from their sockets.
        const turns = this.lastGroup > 1 ? 1 + LINGER_TURNS : 1;
        for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
        const group = this.pending.splice(0, MAX_GROUP);
        this.lastGroup = group.length;
        await this.runGroup(group);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async runGroup(group: Pending[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.hooks.beforeBegin?.();
      guard(() => this.db.exec('BEGIN IMMEDIATE'));
      this.open = true;
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    for (const item of group) {
      guard(() => this.db.exec('SAVEPOINT work'));
      try {
        const value = await item.work();
        guard(() => this.db.exec('RELEASE work'));
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (this.db.inTransaction) {
          this.db.exec('ROLLBACK TO work');
          this.db.exec('RELEASE work');
        }
        outcomes.push({ ok: false, value: error });
        if (!this.db.inTransaction) {
          // SQLite aborted the whole transaction (e.g. disk full): nothing of the group stands.
          this.ended();
          for (const failed of group) failed.reject(error);
          return;
        }
      }
    }
    try {
      guard(() => this.db.exec('COMMIT'));
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const item of group) item.reject(error);
      return;
    } finally {
      this.ended();
    }
    group.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }

  private ended(): void {
    this.open = false;
    this.hooks.afterEnd?.();
  }
}
