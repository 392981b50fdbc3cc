import { newId, type Logger } from '../base/index.js';
import type { StoreSignals } from '../storage/index.js';

/** The channel a commit is announced on; the payload names the announcing engine. */
export const CHANGES_CHANNEL = 'handover_changes';
/** A payload `hello:<engine>` says an engine listens, without a commit. */
export const HELLO = 'hello:';
/** How often a listening engine says it is there. */
const PRESENCE_MS = 30_000;
/** An engine not heard from for this long is taken to be gone (killed without a word). */
const PEER_TTL_MS = 3 * PRESENCE_MS;

/**
 * Wakes the matchers of the other server processes on one PostgreSQL (ARCHITECTURE.md "Scaling
 * out": LISTEN/NOTIFY) when this one committed a change, and wakes this one when they did. A
 * hint only: every matcher also polls, so a signal lost in a crash or a dropped connection
 * costs latency, never an event. Announcements are coalesced — at most one NOTIFY in flight and
 * one queued — so every commit is followed by a NOTIFY sent after it, whatever the write rate.
 *
 * A process alone on its database announces nothing: a NOTIFY per commit was a round trip and a
 * wake-up of its own listener for no one (~1 ms of a create's p50 at 200 writes/s on 2 cores).
 * Listening engines say `hello` when they start and every PRESENCE_MS; an engine hearing a
 * newcomer answers with its own hello at once, so two engines know of each other within a round
 * trip of the second one listening. An engine that cannot listen (or is not started) announces
 * every commit, as it cannot know who listens.
 */
export class CrossProcessWake {
  private readonly instance = newId();
  private sending = false;
  private again = false;
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** Listening, so the peers below are known. */
  private hearing = false;
  /** Other engines heard from: when, by `Date.now()`. */
  private readonly peers = new Map<string, number>();
  private presence: NodeJS.Timeout | undefined;

  constructor(private readonly signals: StoreSignals | undefined, private readonly log: Logger, private readonly onWake: () => void) {}

  /** Starts listening; resolves once the LISTEN is in place (or is being retried). */
  start(): Promise<void> {
    if (!this.signals) return Promise.resolve();
    this.listening ??= this.signals.listen(CHANGES_CHANNEL, (payload) => this.heard(payload)).then((stop) => {
      this.unlisten = stop;
      this.hearing = true;
      this.sayHello();
      this.presence = setInterval(() => this.sayHello(), PRESENCE_MS);
      this.presence.unref();
    }, (error: unknown) => this.log.warn({ err: error }, 'cannot listen for other processes\' commits; polling only'));
    return this.listening;
  }

  /** Resolves once listening (at once when not started or without signals). */
  ready(): Promise<void> {
    return this.listening ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.listening;
    clearInterval(this.presence);
    this.hearing = false;
    this.listening = undefined;
    await this.unlisten?.();
    this.unlisten = undefined;
  }

  /** Tells the other processes that something committed (none when this engine hears that it is alone). */
  announce(): void {
    if (!this.signals || (this.hearing && !this.hasPeers())) return;
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

  /** '' (the listening connection came back: signals may be lost), a hello, or another engine's commit. */
  private heard(payload: string): void {
    if (payload === '') {
      // Hellos may have been missed too: ours makes every engine that does not know this one answer.
      this.onWake();
      this.sayHello();
      return;
    }
    const hello = payload.startsWith(HELLO);
    const from = hello ? payload.slice(HELLO.length) : payload;
    if (from === this.instance) return;
    const known = this.isPeer(from);
    this.peers.set(from, Date.now());
    if (!hello) this.onWake();
    else if (!known) this.sayHello();
  }

  private sayHello(): void {
    this.signals?.notify(CHANGES_CHANNEL, `${HELLO}${this.instance}`)
      .catch((error: unknown) => this.log.debug({ err: error }, 'saying hello to other processes failed (they poll)'));
  }

  private isPeer(instance: string): boolean {
    const seen = this.peers.get(instance);
    return seen !== undefined && Date.now() - seen < PEER_TTL_MS;
  }

  private hasPeers(): boolean {
    for (const [instance, seen] of this.peers) {
      if (Date.now() - seen < PEER_TTL_MS) return true;
      this.peers.delete(instance);
    }
    return false;
  }
}
