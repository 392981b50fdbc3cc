import type { Clock, Logger } from '../../base/index.js';
import { subscriptionAuthority, type AccessContext, type SigningKeys } from '../../access/index.js';
import { invalid, type Resource, type SubscriptionSettings } from '../../model/index.js';
import type { Store } from '../../storage/index.js';
import type { SubscriptionEngine } from '../subscription-engine.js';
import { BadBindingToken, signBindingToken, verifyBindingToken } from './binding-token.js';
import { outcomeMessage } from './outcome-message.js';
import { parseClientMessage } from './parse-bind-message.js';
import { tell, type BoundSocket } from './websocket-hub.js';

/** A connected client socket (the `ws` package's WebSocket fits). */
export interface ClientSocket extends BoundSocket {
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface WebsocketChannelDeps {
  engine: SubscriptionEngine;
  store: Store;
  keys: SigningKeys;
  clock: Clock;
  log: Logger;
  /** The FHIR base (the binding token's issuer, and subscription URLs). */
  fhirBase: string;
  /** Where clients connect (`ws(s)://host/fhir/ws`): the `websocket-url` of `$get-ws-binding-token`, and the token's audience. */
  websocketUrl: string;
  /** How long a binding token lasts (s). */
  tokenSeconds: number;
  /** How often bound subscriptions are looked up, so a socket hears when one was turned off elsewhere (ms). */
  sweepEveryMs?: number;
}

/**
 * The Backport IG websocket channel: `$get-ws-binding-token` hands out a token for subscriptions
 * the caller owns (the FHIR layer has already applied ADR 0008: it passes only ids the caller may
 * see); a client sends `bind-with-token <token>` on the socket, and the engine's delivery rounds
 * then write the handshake, events and heartbeats of those subscriptions to it.
 */
export class WebsocketChannel {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WebsocketChannelDeps) {}

  /**
   * A delivery round tells a subscription's sockets when it turns it off; this sweep covers the
   * other ways a subscription stops — a grant sweep or revocation hook, another process, a
   * deletion elsewhere — so a bound socket never stays open on a dead subscription for long.
   */
  start(): void {
    this.sweeper ??= setInterval(() => {
      this.sweep().catch((error: unknown) => this.deps.log.warn({ err: error }, 'websocket sweep failed'));
    }, this.deps.sweepEveryMs ?? 1000);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.deps.engine.sockets.closeAll();
  }

  async sweep(): Promise<void> {
    const hub = this.deps.engine.sockets;
    for (const id of hub.subscriptionIds()) {
      const record = await this.deps.store.subscriptions.getSubscription(id);
      if (!record) hub.stopped(id, 'it was deleted');
      else if (record.status === 'off') hub.stopped(id, record.error ?? 'it was turned off');
    }
  }

  get websocketUrl(): string {
    return this.deps.websocketUrl;
  }

  /** `$get-ws-binding-token` for these subscriptions (each visible to the caller): Parameters per the OperationDefinition. */
  async issueToken(ids: string[], access: AccessContext): Promise<Resource> {
    if (ids.length === 0) throw invalid('None of your subscriptions uses the websocket channel', 'id');
    for (const id of ids) {
      const reason = await this.unusable(id);
      if (reason) throw invalid(reason, 'id');
    }
    const { token, expiresAt } = await signBindingToken(this.deps.keys, {
      issuer: this.deps.fhirBase, audience: this.deps.websocketUrl, grant: access.open ? null : access.caller.grantId,
      subscriptions: ids, lifetimeSeconds: this.deps.tokenSeconds, now: this.deps.clock.now(),
    });
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'token', valueString: token },
        { name: 'expiration', valueDateTime: new Date(expiresAt).toISOString() },
        ...ids.map((id) => ({ name: 'subscription', valueString: `${this.deps.fhirBase}/Subscription/${id}` })),
        { name: 'websocket-url', valueUrl: this.deps.websocketUrl },
      ],
    } as Resource;
  }

  /** The websocket ids among `ids` (type-level `$get-ws-binding-token` without `id`: all the caller's). */
  async websocketIds(ids: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const id of ids) if ((await this.unusable(id)) === undefined) found.push(id);
    return found;
  }

  /** A socket connected at the websocket URL: it may bind, re-bind and unbind as often as it likes. */
  accept(socket: ClientSocket): void {
    const hub = this.deps.engine.sockets;
    socket.on('close', () => hub.forget(socket));
    // A broken connection only ends its bindings; its events wait for the next bind.
    socket.on('error', (error) => this.deps.log.debug({ err: error }, 'websocket error'));
    // One message at a time per socket: answers come in the order the messages were sent.
    let queue = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      queue = queue.then(() => (isBinary
        ? tell(socket, outcomeMessage('structure', 'Send text messages: bind-with-token <token>'))
        : this.onMessage(socket, String(data)))).catch((error: unknown) => {
        this.deps.log.error({ err: error }, 'websocket message failed');
        tell(socket, outcomeMessage('exception', 'The server could not handle this message; try again'));
      });
    });
  }

  private async onMessage(socket: ClientSocket, text: string): Promise<void> {
    const message = parseClientMessage(text);
    if (message.kind === 'invalid') return tell(socket, outcomeMessage('invalid', message.reason));
    const now = this.deps.clock.now();
    let claims;
    try {
      claims = await verifyBindingToken(this.deps.keys, message.token, { issuer: this.deps.fhirBase, audience: this.deps.websocketUrl, now });
    } catch (error) {
      if (error instanceof BadBindingToken) return tell(socket, outcomeMessage('security', error.message));
      throw error;
    }
    const hub = this.deps.engine.sockets;
    if (message.kind === 'unbind') {
      hub.release(socket, claims.subscriptions);
      return tell(socket, outcomeMessage('informational', `Unbound ${claims.subscriptions.map((id) => `Subscription/${id}`).join(', ')}`, 'information'));
    }
    // Bound to the grant: a token outlives nothing — its grant must be alive now.
    const authority = await subscriptionAuthority(this.deps.store.auth, claims.grant, now.getTime());
    if (!authority.alive) return tell(socket, outcomeMessage('security', `The binding token's grant has ended (${authority.reason}): nothing was bound`));
    const bound: string[] = [];
    for (const id of claims.subscriptions) {
      const reason = await this.unusable(id);
      if (reason) tell(socket, outcomeMessage('not-found', `${reason}: not bound`));
      else bound.push(id);
    }
    hub.bind(socket, bound, claims.expiresAt);
    for (const id of bound) await this.deps.engine.wake(id);
  }

  /** Why a subscription cannot be bound, or undefined when it can. */
  private async unusable(id: string): Promise<string | undefined> {
    const record = await this.deps.store.subscriptions.getSubscription(id);
    if (!record) return `Subscription/${id} is not known`;
    if ((JSON.parse(record.settings) as SubscriptionSettings).channelType !== 'websocket') return `Subscription/${id} does not use the websocket channel`;
    if (record.status === 'off') return `Subscription/${id} is off`;
    return undefined;
  }
}
