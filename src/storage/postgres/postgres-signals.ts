import pg from 'pg';
import type { StoreSignals } from '../store.js';

const CHANNEL = /^[a-z_][a-z0-9_]*$/;
const RECONNECT_MS = 1000;

/**
 * LISTEN/NOTIFY (ARCHITECTURE.md "Scaling out": wake-ups go through PostgreSQL). NOTIFY goes
 * through the pool; LISTEN needs a session of its own, so one dedicated connection per process
 * carries every channel, opened on the first `listen` and re-opened (re-LISTENing) when lost.
 */
export class PostgresSignals implements StoreSignals {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly pool: pg.Pool, private readonly connectionString: string, private readonly applicationName: string) {}

  async notify(channel: string, payload: string): Promise<void> {
    checkChannel(channel);
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    checkChannel(channel);
    const fresh = !this.handlers.has(channel);
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    this.closed = false;
    try {
      const client = this.client ?? (await this.connect());
      if (fresh) await client.query(`LISTEN ${channel}`);
    } catch {
      this.reconnectLater();
    }
    return async () => {
      set.delete(handler);
      if (set.size > 0) return;
      this.handlers.delete(channel);
      await this.client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
      if (this.handlers.size === 0) await this.close();
    };
  }

  /** Ends the listening connection (the store's close calls this). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: this.applicationName });
      client.on('notification', (message) => {
        for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      client.on('error', () => this.lost(client));
      client.on('end', () => this.lost(client));
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
      if (this.closed) {
        await client.end();
        throw new Error('closed');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.handlers.size === 0 || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().then(() => {
        // Whatever was signalled while we were away is unknown: every listener looks once.
        for (const set of this.handlers.values()) for (const handler of set) handler('');
      }, () => this.reconnectLater());
    }, RECONNECT_MS);
    this.retry.unref();
  }
}

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`invalid signal channel: ${channel}`);
}
