import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies committed WAL frames into the database file. */
const INTERVAL_MS = 100;

/**
 * The WAL checkpoint on its own thread and connection. SQLite's automatic checkpoint runs inside
 * the COMMIT that crosses 1,000 WAL pages, on the writer — here the event loop — and with it the
 * page copies and two fsyncs: it was ~40% of a create's wall time under load. A PASSIVE checkpoint
 * from another connection never blocks the writer or the readers and never waits on a lock, so
 * commits only append to the WAL. Durability is unchanged: a commit is durable once in the WAL
 * (`synchronous` decides when that reaches the disk); the checkpoint only moves it into place.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  /** `onFailure`: the thread died; the writer should checkpoint again itself. */
  constructor(path: string, onFailure: (error: Error) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // An inline CommonJS worker: no second entry file to keep in step between tsx and dist.
    this.worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const Database = require(workerData.driver);
      const db = new Database(workerData.path);
      const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: next time */ } };
      const timer = setInterval(checkpoint, workerData.interval);
      parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
    `, { eval: true, workerData: { driver, path, interval: INTERVAL_MS } });
    this.worker.on('error', onFailure);
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.unref();
  }

  /** Stops the thread and closes its connection, so the writer's close is the last one (and checkpoints). */
  async close(): Promise<void> {
    this.worker.ref(); // keep the process alive until the thread has closed its connection
    this.worker.postMessage('close');
    await this.exited;
  }
}
