import { WebSocket } from 'ws';
import type { Bundle, Parameter } from './receiver.js';

/** A notification as the websocket client saw it. */
export interface WsNotification {
  at: number;
  bundle: Bundle;
  type: string;
  subscription: string;
  eventNumbers: number[];
}

type Outcome = { resourceType: 'OperationOutcome'; issue: { severity: string; code: string; diagnostics: string }[] };

/**
 * A subscriber on the websocket channel, through the `ws` package's client: records the
 * notification Bundles and the server's OperationOutcome messages, and how the socket closed.
 */
export class WsClient {
  readonly notifications: WsNotification[] = [];
  readonly outcomes: Outcome[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Bundle | Outcome;
      if (message.resourceType === 'OperationOutcome') {
        this.outcomes.push(message as Outcome);
        return;
      }
      const bundle = message as Bundle;
      const status = bundle.entry[0]!.resource!.parameter!;
      this.notifications.push({
        at: Date.now(), bundle, type: status.find((p) => p.name === 'type')!.valueCode!,
        subscription: status.find((p) => p.name === 'subscription')!.valueReference!.reference,
        eventNumbers: status.filter((p) => p.name === 'notification-event')
          .map((p) => Number((p.part as Parameter[]).find((q) => q.name === 'event-number')!.valueString)),
      });
    });
    this.socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
  }

  async open(): Promise<this> {
    await this.opened;
    return this;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  bind(token: string): void {
    this.send(`bind-with-token ${token}`);
  }

  of(subscriptionId: string, type?: string): WsNotification[] {
    return this.notifications.filter((n) => n.subscription.endsWith(`/Subscription/${subscriptionId}`) && (type === undefined || n.type === type));
  }

  events(subscriptionId: string): number[] {
    return this.of(subscriptionId, 'event-notification').flatMap((n) => n.eventNumbers);
  }

  diagnostics(): string[] {
    return this.outcomes.flatMap((o) => o.issue.map((i) => i.diagnostics));
  }

  async until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify({ notifications: this.notifications.map((n) => [n.type, n.subscription, n.eventNumbers]), outcomes: this.diagnostics(), closed: this.closed })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}
