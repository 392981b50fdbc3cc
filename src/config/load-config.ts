import { ConfigError, OPTIONS, type Config } from './options.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Builds the configuration from defaults, then `HANDOVER_*` variables, then flags (flags win),
 * and validates the combination. Throws ConfigError with a message fit for a terminal.
 */
export function loadConfig(flags: Partial<Record<keyof Config, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const raw = flags[option.key] ?? env[option.env];
    values[option.key] = raw === undefined ? option.defaultValue : option.parse(String(raw));
  }
  const config = values as unknown as Config;
  config.baseUrl ??= `http://localhost:${config.port}`;
  validateCombination(config);
  return config;
}

function validateCombination(config: Config): void {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together');
  }
  if (config.mode === 'sandbox' && !LOOPBACK.has(config.host)) {
    throw new ConfigError(`sandbox mode listens on loopback only; use --mode production to listen on ${config.host}`);
  }
  if (config.mode === 'production' && config.open) {
    throw new ConfigError('--open (no tokens on the FHIR API) is for local experiments: not allowed in production mode');
  }
  if (config.operatorToken !== undefined && config.operatorToken.length < 16) {
    throw new ConfigError('--operator-token must be at least 16 characters');
  }
  if (config.mode === 'production') {
    const url = new URL(config.baseUrl);
    const tls = config.tlsCert !== undefined || config.trustProxy;
    if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) {
      throw new ConfigError('production mode needs an https base URL for a non-loopback host');
    }
    if (url.protocol === 'https:' && !tls) {
      throw new ConfigError('an https base URL needs --tls-cert/--tls-key or --trust-proxy (a TLS-terminating proxy)');
    }
  }
}
