import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A notification as the receiver saw it. */
export interface Received {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  bundle: Bundle;
  type: string;
  eventNumbers: number[];
  eventsSinceStart: number;
}

export type Parameter = { name: string; valueString?: string; valueCode?: string; part?: Parameter[]; valueReference?: { reference: string } };
export type Bundle = { resourceType: string; type: string; entry: { fullUrl: string; resource?: { resourceType: string; id?: string; parameter?: Parameter[] }; request: { method: string; url: string } }[] };

/** A real rest-hook endpoint on loopback that records what it gets and can be told to fail. */
export class Receiver {
  readonly received: Received[] = [];
  /** HTTP status to answer; 200 when healthy. */
  answer = 200;
  /** Milliseconds each answer is held back (a slow endpoint). */
  holdMs = 0;
  /** Only answers to notifications of this type are held (e.g. `event-notification`); unset: all. */
  holdOnly: string | undefined;
  private server: Server | undefined;
  private waiters: (() => void)[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let type: string | undefined;
        if (this.answer === 200) {
          const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle;
          const status = bundle.entry[0]!.resource!.parameter!;
          const value = (name: string) => status.find((p) => p.name === name);
          this.received.push({
            at: Date.now(), headers: req.headers, bundle, type: value('type')!.valueCode!,
            eventsSinceStart: Number(value('events-since-subscription-start')!.valueString),
            eventNumbers: status.filter((p) => p.name === 'notification-event').map((p) => Number(p.part!.find((q) => q.name === 'event-number')!.valueString)),
          });
          type = this.received[this.received.length - 1]!.type;
          for (const wake of this.waiters.splice(0)) wake();
        }
        res.statusCode = this.answer;
        if (this.holdMs > 0 && (this.holdOnly === undefined || this.holdOnly === type)) setTimeout(() => res.end(), this.holdMs);
        else res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
  }

  events(): number[] {
    return this.received.flatMap((r) => r.eventNumbers);
  }

  of(type: string): Received[] {
    return this.received.filter((r) => r.type === type);
  }

  /** Resolves when `done()` holds, or fails after `ms`. */
  async until(done: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; received: ${JSON.stringify(this.received.map((r) => [r.type, r.eventNumbers]))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
