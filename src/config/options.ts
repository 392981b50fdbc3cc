/**
 * Every configuration option, in one table: its flag, environment variable, default and
 * description. The CLI help, the README table and start-up validation are all generated from it,
 * so documentation cannot drift from the code.
 */
export type Mode = 'sandbox' | 'production';
export type SqliteSynchronous = 'normal' | 'full';

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  db: string;
  mode: Mode;
  trustProxy: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  maxBodyBytes: number;
  maxBundleEntries: number;
  sqliteSynchronous: SqliteSynchronous;
  pgPoolSize: number;
  pgPreparedStatements: number;
  /** Subscriptions delivered at once by this process; undefined: the engine's default (subscriptions/engine-options.ts). */
  deliveryConcurrency: number | undefined;
  logLevel: string;
  /** Load the sample data into an empty database at start (sandbox mode only). */
  sampleData: boolean;
  /** No token required on the FHIR API: local experiments only. */
  open: boolean;
  /** Sliding lifetime of an offline grant, from its last use. */
  offlineDays: number;
  /** Absolute cap on an offline grant's life from its creation; 0 = none. */
  offlineMaxDays: number;
  /** A public client's rotated refresh token stays usable this long (lost responses); 0 = off. */
  refreshGraceSeconds: number;
  /** Bearer token for the operator API (minting EHR launches, registering clients in production). */
  operatorToken: string | undefined;
  /** How long a checked token's grant liveness is trusted before storage is asked again (other processes' revocations). */
  tokenCheckCacheMs: number;
  /** SMTP server for invitation emails (issue 5 b); unset: the link is logged instead (and the chart prints it). */
  smtpUrl: string | undefined;
  /** The From of every email the server sends. */
  mailFrom: string;
  /** Days a patient has to answer an invitation before its link expires. */
  invitationDays: number;
  /** Lifetime of a `$get-ws-binding-token` token (websocket subscriptions). */
  wsTokenSeconds: number;
  /** 32 bytes (base64url) that seal the private signing keys at rest; unset: stored in clear. */
  keyEncryptionKey: string | undefined;
}

export interface OptionSpec<K extends keyof Config = keyof Config> {
  key: K;
  flag: string;
  env: string;
  valueName?: string;
  description: string;
  /** Shown in help; `undefined` means "derived" and `derivedNote` explains from what. */
  defaultValue: Config[K] | undefined;
  derivedNote?: string;
  parse(raw: string): Config[K];
}

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
    }
    return n;
  };
}

function oneOf<T extends string>(name: string, values: readonly T[]) {
  return (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };
}

function boolean(name: string) {
  return (raw: string): boolean => {
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  };
}

function absoluteUrl(name: string) {
  return (raw: string): string => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
    }
    return raw.replace(/\/+$/, '');
  };
}

function smtpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`smtp-url must be smtp://[user:password@]host[:port] or smtps://…, got "${raw.replace(/\/\/[^@/]*@/, '//…@')}"`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError(`smtp-url must be an smtp:// or smtps:// URL, got a ${url.protocol} URL`);
  return raw;
}

function dbUrl(raw: string): string {
  if (raw.startsWith('sqlite:') || raw.startsWith('postgres://') || raw.startsWith('postgresql://')) return raw;
  throw new ConfigError(`db must be sqlite:<path> or postgres://…, got "${raw}"`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const text = (raw: string): string => raw;

function keyEncryptionKey(raw: string): string {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(raw.trim()) || Buffer.from(raw.trim(), 'base64url').length !== 32) {
    throw new ConfigError('key-encryption-key must be 32 random bytes in base64url (e.g. `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`)');
  }
  return raw.trim();
}

export const OPTIONS: OptionSpec[] = [
  { key: 'port', flag: '--port', env: 'HANDOVER_PORT', valueName: 'n', defaultValue: 8080,
    description: 'TCP port to listen on (0 picks a free one)', parse: integer('port', 0, 65535) },
  { key: 'host', flag: '--host', env: 'HANDOVER_HOST', valueName: 'addr', defaultValue: '127.0.0.1',
    description: 'interface to listen on; sandbox mode only allows loopback', parse: text },
  { key: 'baseUrl', flag: '--base-url', env: 'HANDOVER_BASE_URL', valueName: 'url', defaultValue: undefined,
    derivedNote: 'http://localhost:<port>', description: 'public base URL; the FHIR base is <base-url>/fhir',
    parse: absoluteUrl('base-url') },
  { key: 'db', flag: '--db', env: 'HANDOVER_DB', valueName: 'url', defaultValue: 'sqlite:./data/handover.db',
    description: 'database: sqlite:<file> (embedded) or postgres://user@host/db', parse: dbUrl },
  { key: 'mode', flag: '--mode', env: 'HANDOVER_MODE', valueName: 'mode', defaultValue: 'sandbox',
    description: 'sandbox (sample data, loopback, open registration) or production', parse: oneOf('mode', ['sandbox', 'production'] as const) },
  { key: 'trustProxy', flag: '--trust-proxy', env: 'HANDOVER_TRUST_PROXY', valueName: 'bool', defaultValue: false,
    description: 'honour X-Forwarded-* from a TLS-terminating reverse proxy', parse: boolean('trust-proxy') },
  { key: 'tlsCert', flag: '--tls-cert', env: 'HANDOVER_TLS_CERT', valueName: 'file', defaultValue: undefined,
    description: 'PEM certificate to serve HTTPS directly (with --tls-key)', parse: text },
  { key: 'tlsKey', flag: '--tls-key', env: 'HANDOVER_TLS_KEY', valueName: 'file', defaultValue: undefined,
    description: 'PEM private key for --tls-cert', parse: text },
  { key: 'maxBodyBytes', flag: '--max-body-bytes', env: 'HANDOVER_MAX_BODY_BYTES', valueName: 'n', defaultValue: 16 * 1024 * 1024,
    description: 'largest accepted request body; larger ones get 413', parse: integer('max-body-bytes', 1024, 1024 ** 3) },
  { key: 'maxBundleEntries', flag: '--max-bundle-entries', env: 'HANDOVER_MAX_BUNDLE_ENTRIES', valueName: 'n', defaultValue: 10_000,
    description: 'most entries in one batch or transaction Bundle; more get 413', parse: integer('max-bundle-entries', 1, 1_000_000) },
  { key: 'sqliteSynchronous', flag: '--sqlite-synchronous', env: 'HANDOVER_SQLITE_SYNCHRONOUS', valueName: 'level', defaultValue: 'normal',
    description: 'normal: survives a process crash; full: also survives power loss (slower)', parse: oneOf('sqlite-synchronous', ['normal', 'full'] as const) },
  { key: 'pgPoolSize', flag: '--pg-pool-size', env: 'HANDOVER_PG_POOL_SIZE', valueName: 'n', defaultValue: 10,
    description: 'PostgreSQL connections this process may open (keep their sum over processes under max_connections)', parse: integer('pg-pool-size', 1, 1000) },
  { key: 'pgPreparedStatements', flag: '--pg-prepared-statements', env: 'HANDOVER_PG_PREPARED_STATEMENTS', valueName: 'n', defaultValue: 200,
    description: 'statements each PostgreSQL connection keeps prepared (parsed and planned once); 0 behind a pooler in transaction mode (PgBouncer before 1.21)', parse: integer('pg-prepared-statements', 0, 10_000) },
  { key: 'deliveryConcurrency', flag: '--delivery-concurrency', env: 'HANDOVER_DELIVERY_CONCURRENCY', valueName: 'n', defaultValue: undefined,
    derivedNote: '64 on SQLite, 16 on PostgreSQL',
    description: 'subscriptions this process delivers to at once: more lets slow endpoints wait side by side; on PostgreSQL each round\'s statements share the pool', parse: integer('delivery-concurrency', 1, 10_000) },
  { key: 'logLevel', flag: '--log-level', env: 'HANDOVER_LOG_LEVEL', valueName: 'level', defaultValue: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent', parse: oneOf('log-level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
  { key: 'sampleData', flag: '--sample-data', env: 'HANDOVER_SAMPLE_DATA', valueName: 'bool', defaultValue: true,
    description: 'load the sample data set into an empty database (sandbox mode only)', parse: boolean('sample-data') },
  { key: 'open', flag: '--open', env: 'HANDOVER_OPEN', valueName: 'bool', defaultValue: false,
    description: 'serve the FHIR API without tokens (local experiments only; refused in production mode)', parse: boolean('open') },
  { key: 'offlineDays', flag: '--offline-days', env: 'HANDOVER_OFFLINE_DAYS', valueName: 'n', defaultValue: 90,
    description: 'an offline grant (refresh token) lives this many days after its last use', parse: integer('offline-days', 1, 3650) },
  { key: 'offlineMaxDays', flag: '--offline-max-days', env: 'HANDOVER_OFFLINE_MAX_DAYS', valueName: 'n', defaultValue: 0,
    description: 'absolute cap on an offline grant from its creation, in days (0: none)', parse: integer('offline-max-days', 0, 36500) },
  { key: 'refreshGraceSeconds', flag: '--refresh-grace-seconds', env: 'HANDOVER_REFRESH_GRACE_SECONDS', valueName: 'n', defaultValue: 0,
    description: 'a rotated refresh token may be presented again this long (a lost response) before reuse revokes the grant; 0: off', parse: integer('refresh-grace-seconds', 0, 600) },
  { key: 'operatorToken', flag: '--operator-token', env: 'HANDOVER_OPERATOR_TOKEN', valueName: 'secret', defaultValue: undefined,
    description: 'bearer secret for the operator API (EHR launches, client registration); unset: operator API off', parse: text },
  { key: 'tokenCheckCacheMs', flag: '--token-check-cache-ms', env: 'HANDOVER_TOKEN_CHECK_CACHE_MS', valueName: 'ms', defaultValue: 1000,
    description: 'how long a checked bearer token\'s grant is trusted before storage is read again; revocations by this process apply at once, by other processes within this; 0: every request', parse: integer('token-check-cache-ms', 0, 60_000) },
  { key: 'smtpUrl', flag: '--smtp-url', env: 'HANDOVER_SMTP_URL', valueName: 'url', defaultValue: undefined,
    description: 'SMTP server for invitation emails: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://…; unset: invitation links are logged and printed from the chart', parse: smtpUrl },
  { key: 'mailFrom', flag: '--mail-from', env: 'HANDOVER_MAIL_FROM', valueName: 'address', defaultValue: 'Handover <handover@localhost>',
    description: 'the From of the emails the server sends', parse: text },
  { key: 'invitationDays', flag: '--invitation-days', env: 'HANDOVER_INVITATION_DAYS', valueName: 'n', defaultValue: 14,
    description: 'days a patient has to answer an invitation to take over a clinician\'s sharing before its link expires', parse: integer('invitation-days', 1, 365) },
  { key: 'wsTokenSeconds', flag: '--ws-token-seconds', env: 'HANDOVER_WS_TOKEN_SECONDS', valueName: 's', defaultValue: 300,
    description: 'lifetime of a websocket binding token ($get-ws-binding-token); a socket re-binds with a new one before it ends', parse: integer('ws-token-seconds', 1, 3600) },
  { key: 'keyEncryptionKey', flag: '--key-encryption-key', env: 'HANDOVER_KEY_ENCRYPTION_KEY', valueName: 'secret', defaultValue: undefined,
    description: 'seals the server\'s private signing keys in the database (JWE, A256GCM): 32 random bytes, base64url; every process of a deployment needs the same; unset: stored in clear (warned in production mode)', parse: keyEncryptionKey },
];
