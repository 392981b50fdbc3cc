import type { SendResult } from '../rest-hook-sender.js';
import { outcomeMessage } from './outcome-message.js';

/**
 * What the hub needs of a websocket (the `ws` package's WebSocket fits): write a text frame and
 * learn when it was handed to the connection, or close.
 */
export interface BoundSocket {
  readonly readyState: number;
  send(data: string, callback: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

/** `WebSocket.OPEN` (RFC 6455 "The WebSocket Connection is Established"). */
const OPEN = 1;
/** RFC 6455 §7.4.1: 1008 "policy violation" — the closest to "your authority ended". */
export const CLOSE_POLICY = 1008;

interface Binding {
  socket: BoundSocket;
  /** The binding token's expiry (epoch ms): after it the socket gets nothing more until it binds again. */
  expiresAt: number;
  /** The handshake went out on this socket since it bound (Backport IG "Websockets": a handshake per bound subscription). */
  handshaken: boolean;
  timer: NodeJS.Timeout;
}

/**
 * The websockets bound to subscriptions in this process. The engine's delivery round writes a
 * notification here instead of POSTing it (websocket channel): the handshake to the sockets that
 * just bound, everything else to those already handshaken. A write counts as delivered only once
 * `ws` handed it to an open connection; with no socket bound the round leaves its events waiting.
 */
export class WebsocketHub {
  private readonly bySubscription = new Map<string, Map<BoundSocket, Binding>>();

  constructor(private readonly now: () => number) {}

  /** Binds `socket` to each subscription until `expiresAt`; a handshake is due on it for each. */
  bind(socket: BoundSocket, subscriptionIds: string[], expiresAt: number): void {
    for (const id of subscriptionIds) {
      const bindings = this.bySubscription.get(id) ?? new Map<BoundSocket, Binding>();
      this.bySubscription.set(id, bindings);
      const previous = bindings.get(socket);
      if (previous) clearTimeout(previous.timer);
      const timer = setTimeout(() => this.expire(id, socket), Math.max(0, expiresAt - this.now()));
      timer.unref();
      bindings.set(socket, { socket, expiresAt, handshaken: false, timer });
    }
  }

  /** The socket closed: it is bound to nothing any more. */
  forget(socket: BoundSocket): void {
    for (const [id, bindings] of this.bySubscription) {
      const binding = bindings.get(socket);
      if (binding) clearTimeout(binding.timer);
      bindings.delete(socket);
      if (bindings.size === 0) this.bySubscription.delete(id);
    }
  }

  /** `unbind-from-token`: the socket stops receiving these subscriptions. */
  release(socket: BoundSocket, subscriptionIds: string[]): void {
    for (const id of subscriptionIds) this.unbind(id, socket);
  }

  /** The subscriptions some socket is bound to here. */
  subscriptionIds(): string[] {
    return [...this.bySubscription.keys()];
  }

  boundSubscriptions(socket: BoundSocket): string[] {
    return [...this.bySubscription].filter(([, bindings]) => bindings.has(socket)).map(([id]) => id);
  }

  /** A socket bound since the last handshake waits for one. */
  needsHandshake(subscriptionId: string): boolean {
    return [...this.live(subscriptionId)].some((b) => !b.handshaken);
  }

  /**
   * Writes one notification of the subscription. A handshake goes to the sockets waiting for one
   * (all bound sockets when none waits: the subscriber asked for a new handshake); anything else
   * to the handshaken ones. Undefined when no socket can take it: the events wait for a bind.
   */
  async send(subscriptionId: string, type: string, body: string, timeoutMs: number): Promise<SendResult | undefined> {
    const live = [...this.live(subscriptionId)];
    const waiting = live.filter((b) => !b.handshaken);
    const targets = type === 'handshake' ? (waiting.length > 0 ? waiting : live) : live.filter((b) => b.handshaken);
    if (targets.length === 0) return undefined;
    const started = performance.now();
    const written = await Promise.all(targets.map((binding) => write(binding.socket, body, timeoutMs)));
    let delivered = false;
    targets.forEach((binding, i) => {
      if (written[i]) {
        delivered = true;
        if (type === 'handshake') binding.handshaken = true;
      } else this.unbind(subscriptionId, binding.socket);
    });
    if (!delivered) return undefined;
    return { ok: true, statusCode: null, latencyMs: Math.round(performance.now() - started), error: null };
  }

  /**
   * The subscription stopped (its grant ended, its `end` passed, it was deleted): each socket
   * bound to it is told why and unbound; a socket left with no binding is closed.
   */
  stopped(subscriptionId: string, reason: string): void {
    const bindings = this.bySubscription.get(subscriptionId);
    if (!bindings) return;
    for (const socket of [...bindings.keys()]) {
      this.unbind(subscriptionId, socket);
      tell(socket, outcomeMessage('forbidden', `Subscription/${subscriptionId} stopped: ${reason}`));
      if (this.boundSubscriptions(socket).length === 0) socket.close(CLOSE_POLICY, 'no live subscription bound');
    }
  }

  /** Server shutdown: every socket is closed (1001 "going away"); undelivered events stay recorded. */
  closeAll(): void {
    const sockets = new Set([...this.bySubscription.values()].flatMap((bindings) => [...bindings.keys()]));
    for (const socket of sockets) {
      this.forget(socket);
      socket.close(1001, 'server shutting down');
    }
  }

  private *live(subscriptionId: string): Iterable<Binding> {
    const now = this.now();
    for (const binding of this.bySubscription.get(subscriptionId)?.values() ?? []) {
      if (binding.socket.readyState === OPEN && binding.expiresAt > now) yield binding;
    }
  }

  private unbind(subscriptionId: string, socket: BoundSocket): void {
    const bindings = this.bySubscription.get(subscriptionId);
    const binding = bindings?.get(socket);
    if (!bindings || !binding) return;
    clearTimeout(binding.timer);
    bindings.delete(socket);
    if (bindings.size === 0) this.bySubscription.delete(subscriptionId);
  }

  private expire(subscriptionId: string, socket: BoundSocket): void {
    if (!this.bySubscription.get(subscriptionId)?.has(socket)) return;
    this.unbind(subscriptionId, socket);
    tell(socket, outcomeMessage('expired', `The binding token for Subscription/${subscriptionId} expired: notifications wait until you send `
      + 'a new token from $get-ws-binding-token (bind-with-token <token>) on this or another socket'));
  }
}

/** Resolves true once `ws` wrote the frame to the connection, false if it failed or took too long. */
function write(socket: BoundSocket, body: string, timeoutMs: number): Promise<boolean> {
  if (socket.readyState !== OPEN) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    try {
      socket.send(body, (error) => {
        clearTimeout(timer);
        resolve(!error);
      });
    } catch {
      clearTimeout(timer);
      resolve(false);
    }
  });
}

export function tell(socket: BoundSocket, message: string): void {
  if (socket.readyState === OPEN) socket.send(message, () => undefined);
}
