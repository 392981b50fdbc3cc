import { newId, type Logger } from '../base/index.js';
import type { StoreSignals } from '../storage/index.js';

/** The channel a commit is announced on; the payload names the announcing engine. */
export const CHANGES_CHANNEL = 'handover_changes';

/**
 * Wakes the matchers of the other server processes on one PostgreSQL (ARCHITECTURE.md "Scaling
 * out": LISTEN/NOTIFY) when this one committed a change, and wakes this one when they did. A
 * hint only: every matcher also polls, so a signal lost in a crash or a dropped connection
 * costs latency, never an event. Announcements are coalesced — at most one NOTIFY in flight and
 * one queued — so every commit is followed by a NOTIFY sent after it, whatever the write rate.
 */
export class CrossProcessWake {
  private readonly instance = newId();
  private sending = false;
  private again = false;
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly signals: StoreSignals | undefined, private readonly log: Logger, private readonly onWake: () => void) {}

  /** Starts listening; resolves once the LISTEN is in place (or is being retried). */
  start(): Promise<void> {
    if (!this.signals) return Promise.resolve();
    this.listening ??= this.signals.listen(CHANGES_CHANNEL, (payload) => {
      if (payload !== this.instance) this.onWake();
    }).then((stop) => {
      this.unlisten = stop;
    }, (error: unknown) => this.log.warn({ err: error }, 'cannot listen for other processes\' commits; polling only'));
    return this.listening;
  }

  /** Resolves once listening (at once when not started or without signals). */
  ready(): Promise<void> {
    return this.listening ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.listening;
    this.listening = undefined;
    await this.unlisten?.();
    this.unlisten = undefined;
  }

  /** Tells the other processes that something committed. */
  announce(): void {
    if (!this.signals) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    this.signals.notify(CHANGES_CHANNEL, this.instance)
      .catch((error: unknown) => this.log.debug({ err: error }, 'announcing a commit to other processes failed (they poll)'))
      .finally(() => {
        this.sending = false;
        if (this.again) {
          this.again = false;
          this.announce();
        }
      });
  }
}
