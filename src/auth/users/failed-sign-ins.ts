/**
 * Failed sign-ins per (client address, user name) in a sliding window. @fastify/rate-limit counts
 * every request; a sign-in limit must count only failures, so a clinician who signs in all day is
 * never stopped while a password guesser is stopped after a few tries. In-process: with several
 * processes the effective limit is multiplied by their number, which still bounds guessing.
 */
export class FailedSignIns {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly maxFailures: number, private readonly windowMs: number, private readonly now: () => number) {}

  blocked(key: string): boolean {
    return this.recent(key).length >= this.maxFailures;
  }

  record(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.prune();
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private prune(): void {
    for (const key of this.failures.keys()) if (this.recent(key).length === 0) this.failures.delete(key);
  }
}
