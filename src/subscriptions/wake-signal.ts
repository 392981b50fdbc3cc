/**
 * An in-process wake-up: `wake()` ends the current (or next) `wait()` early. Lost wake-ups are
 * harmless — the waiter polls anyway — so a flag is enough.
 */
export class WakeSignal {
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((done) => {
      const timer = setTimeout(finish, ms);
      const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
      function finish() {
        clearTimeout(timer);
        self.resolve = undefined;
        self.pending = false;
        done();
      }
      this.resolve = finish;
    });
  }
}
