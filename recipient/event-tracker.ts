/**
 * Per-subscription event numbering as the recipient has seen it (Backport IG "Event numbering":
 * numbers start at 1, increase by one per event, and a recipient detects loss by the holes).
 *
 * The state is small and persistable (JSON): the last number up to which every event was
 * accepted, and the numbers accepted above it (out of order), kept within `window` numbers.
 */
export interface TrackerState {
  lastContiguous: number;
  seen: number[];
}

export const EMPTY_TRACKER_STATE: TrackerState = { lastContiguous: 0, seen: [] };

export interface TrackResult {
  /** Numbers accepted now, in ascending order. */
  fresh: number[];
  /** Numbers already accepted before (a redelivery). */
  duplicates: number[];
}

export class EventTracker {
  private lastContiguous: number;
  private readonly seen: Set<number>;

  constructor(state: TrackerState = EMPTY_TRACKER_STATE, private readonly window = 1000) {
    this.lastContiguous = state.lastContiguous;
    this.seen = new Set(state.seen.filter((n) => n > state.lastContiguous));
  }

  state(): TrackerState {
    return { lastContiguous: this.lastContiguous, seen: [...this.seen].sort((a, b) => a - b) };
  }

  has(number: number): boolean {
    return number <= this.lastContiguous || this.seen.has(number);
  }

  /** Splits numbers into new and already accepted (without accepting them). */
  classify(numbers: number[]): TrackResult {
    const unique = [...new Set(numbers)].sort((a, b) => a - b);
    const duplicates = [...unique.filter((n) => this.has(n)), ...numbers.filter((n, i) => numbers.indexOf(n) !== i)];
    return { fresh: unique.filter((n) => !this.has(n)), duplicates: duplicates.sort((a, b) => a - b) };
  }

  /** Marks numbers accepted (delivered to the application, or given up as lost). */
  accept(numbers: number[]): void {
    for (const n of numbers) if (n > this.lastContiguous) this.seen.add(n);
    this.advance();
    // Outside the window, a hole is given up on: the state stays bounded.
    const highest = Math.max(this.lastContiguous, ...this.seen);
    if (highest - this.lastContiguous > this.window) {
      this.lastContiguous = highest - this.window;
      for (const n of this.seen) if (n <= this.lastContiguous) this.seen.delete(n);
      this.advance();
    }
  }

  /** The numbers missing up to `upTo` (e.g. `events-since-subscription-start`). */
  gaps(upTo: number): number[] {
    const missing: number[] = [];
    for (let n = this.lastContiguous + 1; n <= upTo && missing.length < this.window; n++) if (!this.seen.has(n)) missing.push(n);
    return missing;
  }

  private advance(): void {
    while (this.seen.has(this.lastContiguous + 1)) {
      this.lastContiguous++;
      this.seen.delete(this.lastContiguous);
    }
  }
}
