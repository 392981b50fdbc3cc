import { fork, type ChildProcess } from 'node:child_process';
import { NotificationReceiver } from './notification-receiver.js';

/**
 * The benchmark's receiver in a process of its own, so that answering a notification never waits
 * behind the bench's writers (a real recipient runs elsewhere). Arrivals come back over IPC,
 * timed in the receiver with an epoch-based clock the bench shares (`now()`).
 */
type FromChild = { kind: 'ready'; endpoint: string } | { kind: 'arrival'; subscription: string; focus: string; at: number } | { kind: 'handshake' } | { kind: 'bound'; id: number };

export class ReceiverProcess {
  readonly arrivals = new Map<string, Map<string, number>>();
  handshakes = 0;
  private child: ChildProcess | undefined;
  private binds = new Map<number, () => void>();

  async start(): Promise<string> {
    this.child = fork(new URL(import.meta.url), ['child'], { execArgv: ['--import', 'tsx'] });
    return new Promise((resolve) => {
      this.child!.on('message', (message: FromChild) => {
        if (message.kind === 'ready') resolve(message.endpoint);
        else if (message.kind === 'handshake') this.handshakes++;
        else if (message.kind === 'bound') this.binds.get(message.id)?.();
        else {
          const seen = this.arrivals.get(message.subscription) ?? new Map<string, number>();
          if (!seen.has(message.focus)) seen.set(message.focus, message.at);
          this.arrivals.set(message.subscription, seen);
        }
      });
    });
  }

  bind(url: string, token: string): Promise<void> {
    const id = this.binds.size + 1;
    return new Promise((resolve) => {
      this.binds.set(id, resolve);
      this.child!.send({ kind: 'bind', id, url, token });
    });
  }

  received(subscriptionId: string): number {
    return this.arrivals.get(subscriptionId)?.size ?? 0;
  }

  arrivalOf(subscriptionId: string, focusId: string): number | undefined {
    return this.arrivals.get(subscriptionId)?.get(focusId);
  }

  async stop(): Promise<void> {
    this.child?.kill();
  }
}

if (process.argv[2] === 'child') {
  const receiver = new NotificationReceiver();
  receiver.onArrival = (subscription, focus, at) => process.send!({ kind: 'arrival', subscription, focus, at });
  receiver.onHandshake = () => process.send!({ kind: 'handshake' });
  process.on('message', (message: { kind: 'bind'; id: number; url: string; token: string }) => {
    void receiver.bind(message.url, message.token).then(() => process.send!({ kind: 'bound', id: message.id }));
  });
  process.send!({ kind: 'ready', endpoint: await receiver.start() });
}
