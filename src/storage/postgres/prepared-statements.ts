import pg from 'pg';

/** Names a process gives out at most: each connection keeps that many statements prepared (parse tree and plan). */
export const DEFAULT_PREPARED_STATEMENTS = 200;
/** A text is named at its second sighting: one-off texts (a search seen once) never take a name. */
const SIGHTINGS_BEFORE_NAMING = 2;
/** Texts counted, not yet named, at most; the count starts over when full, so it cannot grow without bound. */
const MAX_COUNTED = 10_000;
/** PostgreSQL's answer when a prepared statement's result columns changed under it (another process migrated the schema). */
const RESULT_TYPE_CHANGED = '0A000';

/**
 * Which statement texts go to PostgreSQL as named (prepared) statements.
 *
 * An unnamed statement is parsed, analysed and planned on every execution. Handover's writes are
 * single statements of data-modifying CTEs (a version, its history row and ~15 index rows; the
 * matcher's record; a delivery's finish) whose planning costs more than their execution: measured
 * side by side on 2 cores, naming them took a create from 4.6 to 1.9 ms p50 at 200 writes/s and
 * a write's notification from 18 to 5 ms p50, and searches at concurrency 10 went up ~2×. A named
 * statement is parsed once per connection, and after five executions PostgreSQL keeps a generic
 * plan when it is no costlier than the custom ones (`plan_cache_mode`).
 *
 * Most texts repeat (the values are parameters); search texts vary with the query's parameters, so
 * a text is named only once it is seen again, and only up to `limit` names per process: a
 * connection never holds more than `limit` prepared statements. node-postgres prepares a named
 * statement on its first use on each connection and remembers it there. `limit` 0 names nothing
 * (a connection pooler in transaction mode, e.g. PgBouncer before 1.21, cannot keep them).
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly sightings = new Map<string, number>();
  private issued = 0;

  constructor(private readonly limit = DEFAULT_PREPARED_STATEMENTS) {}

  /** The name to send `text` under, or undefined to send it unnamed. */
  nameOf(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.issued >= this.limit) return name;
    const seen = (this.sightings.get(text) ?? 0) + 1;
    if (seen < SIGHTINGS_BEFORE_NAMING) {
      if (this.sightings.size >= MAX_COUNTED) this.sightings.clear();
      this.sightings.set(text, seen);
      return undefined;
    }
    this.sightings.delete(text);
    // Unique per process and never reused for another text: node-postgres refuses one name with two texts.
    const fresh = `handover_${++this.issued}`;
    this.names.set(text, fresh);
    return fresh;
  }

  /** Stop naming `text` (its prepared form no longer fits the schema); the slot is not given back. */
  forget(text: string): void {
    this.names.delete(text);
  }

  get size(): number {
    return this.names.size;
  }
}

type Callback = (error: Error | null, result?: pg.QueryResult) => void;

/**
 * A pg.Client class whose parameterised queries go out named per `names` — pg.Pool's `Client`
 * option, so every query on the pool and its clients takes the same path. Statements without
 * parameters (BEGIN, COMMIT, DDL) stay unnamed: nothing to plan once for them, and migrations must
 * not leave prepared DDL behind.
 */
export function namingClient(names: StatementNames): typeof pg.Client {
  const send = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  // node-postgres overloads query(); the pool calls query(text, values, callback).
  function namedQuery(this: pg.Client, config: unknown, values?: unknown, callback?: unknown): unknown {
    const named = nameQuery(names, config, values, callback);
    if (named === undefined) return send.call(this, config, values, callback);
    const { query, text } = named;
    const noteFailure = (error: Error | null) => {
      if (error !== null && (error as { code?: string }).code === RESULT_TYPE_CHANGED) names.forget(text);
    };
    if (query.callback !== undefined) {
      const original = query.callback;
      return send.call(this, { ...query, callback: (error: Error | null, result?: pg.QueryResult) => { noteFailure(error); original(error, result); } });
    }
    return (send.call(this, query) as Promise<pg.QueryResult>).catch((error: Error) => { noteFailure(error); throw error; });
  }
  class NamingClient extends pg.Client {}
  NamingClient.prototype.query = namedQuery as typeof pg.Client.prototype.query;
  return NamingClient;
}

/** The query as a config object with a name, when its text has parameters and earned one. */
function nameQuery(names: StatementNames, config: unknown, values: unknown, callback: unknown): { query: pg.QueryConfig & { callback?: Callback }; text: string } | undefined {
  let query: pg.QueryConfig & { callback?: Callback };
  if (typeof config === 'string') {
    if (!Array.isArray(values)) return undefined;
    query = { text: config, values, ...(typeof callback === 'function' ? { callback: callback as Callback } : {}) };
  } else if (typeof config === 'object' && config !== null && typeof (config as pg.QueryConfig).text === 'string'
    && (config as { name?: string }).name === undefined && typeof (config as { submit?: unknown }).submit !== 'function') {
    // (A submittable — a cursor, a stream — is passed through as it is.)
    // A config object's own callback, or one passed beside it (the pool passes it third), as node-postgres takes them.
    const given = config as pg.QueryConfig & { callback?: Callback };
    const cb = typeof values === 'function' ? values as Callback : typeof callback === 'function' ? callback as Callback : given.callback;
    query = { ...given, ...(cb !== undefined ? { callback: cb } : {}) };
  } else {
    return undefined;
  }
  if (query.values === undefined || query.values.length === 0) return undefined;
  const name = names.nameOf(query.text);
  if (name === undefined) return undefined;
  return { query: { ...query, name }, text: query.text };
}
