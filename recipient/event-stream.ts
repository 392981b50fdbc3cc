import type { AcceptedNotification, ConfirmedEvent } from './notification-receiver.js';

/**
 * The receiver's `accept` as an async iterator: `for await (const event of stream)`. A
 * notification counts as accepted — and the server hears 200 — only once the loop has taken all
 * its events and come back for the next one, i.e. the loop body finished with the last of them.
 * For durable processing without a loop, give the receiver an `accept` that writes to a database.
 */
export interface EventStream extends AsyncIterable<ConfirmedEvent> {
  accept(accepted: AcceptedNotification): Promise<void>;
  close(): void;
}

export function eventStream(): EventStream {
  const queue: { event: ConfirmedEvent; done?: () => void }[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    accept(accepted) {
      if (accepted.events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        accepted.events.forEach((event, i) => queue.push(i === accepted.events.length - 1 ? { event, done: resolve } : { event }));
        wake?.();
      });
    },
    close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      let pendingDone: (() => void) | undefined;
      for (;;) {
        pendingDone?.();
        pendingDone = undefined;
        while (queue.length === 0 && !closed) await new Promise<void>((resolve) => { wake = resolve; });
        const next = queue.shift();
        if (!next) return;
        pendingDone = next.done;
        yield next.event;
      }
    },
  };
}
