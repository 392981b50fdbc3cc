import { parseArgs } from 'node:util';

/** Everything the registry process is told; flags win over HANDOVER_REGISTRY_* variables. */
export interface RegistryOptions {
  port: number;
  host: string;
  /** The Handover FHIR base it talks to (and the only `iss` it accepts at launch). */
  fhirBase: string;
  /** Its own SQLite file. */
  dbFile: string;
  /** How the EHR and the server reach it (redirect_uri, launch URL, rest-hook endpoint). */
  publicUrl: string;
  /** Basic-auth password for the staff pages (user `staff`). */
  staffPassword: string | undefined;
  /** 32-byte key (base64) for secrets at rest; unset: a key file beside the database. */
  key: string | undefined;
  /** How often grants and subscriptions are checked (introspection, `$status`, renewal). */
  checkEveryMs: number;
  /** Renew a subscription once its `end` is nearer than this. */
  renewBeforeMs: number;
}

export const REGISTRY_USAGE = `handover registry [--port 8090] [--host 127.0.0.1] [--fhir http://localhost:8080/fhir] [--db sqlite:./data/registry.db] [--public-url URL]
                  [--check-every 300] [--renew-before 604800]
  --check-every    seconds between checks of each grant and subscription (introspection, $status, renewal)
  --renew-before   seconds before a subscription's end at which it is renewed (default 7 days)
Environment: HANDOVER_REGISTRY_PORT, _FHIR, _DB, _PUBLIC_URL, _CHECK_EVERY, _RENEW_BEFORE, _STAFF_PASSWORD, _KEY (base64 of 32 bytes).`;

export function parseRegistryOptions(argv: string[], env: NodeJS.ProcessEnv): RegistryOptions {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: { port: { type: 'string' }, host: { type: 'string' }, fhir: { type: 'string' }, db: { type: 'string' }, 'public-url': { type: 'string' },
      'check-every': { type: 'string' }, 'renew-before': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) throw new UsageRequested();
  const port = Number(values.port ?? env.HANDOVER_REGISTRY_PORT ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const host = values.host ?? env.HANDOVER_REGISTRY_HOST ?? '127.0.0.1';
  const fhirBase = (values.fhir ?? env.HANDOVER_REGISTRY_FHIR ?? 'http://localhost:8080/fhir').replace(/\/$/, '');
  const db = values.db ?? env.HANDOVER_REGISTRY_DB ?? 'sqlite:./data/registry.db';
  if (!db.startsWith('sqlite:')) throw new Error('--db must be sqlite:<file> (the registry keeps its own SQLite file)');
  const publicUrl = (values['public-url'] ?? env.HANDOVER_REGISTRY_PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');
  const checkEvery = seconds('--check-every', values['check-every'] ?? env.HANDOVER_REGISTRY_CHECK_EVERY, 300, 0.1);
  const renewBefore = seconds('--renew-before', values['renew-before'] ?? env.HANDOVER_REGISTRY_RENEW_BEFORE, 7 * 86_400, 0);
  return {
    port, host, fhirBase, dbFile: db.slice('sqlite:'.length), publicUrl, staffPassword: env.HANDOVER_REGISTRY_STAFF_PASSWORD, key: env.HANDOVER_REGISTRY_KEY,
    checkEveryMs: checkEvery * 1000, renewBeforeMs: renewBefore * 1000,
  };
}

function seconds(flag: string, raw: string | undefined, fallback: number, min: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${flag} must be a number of seconds, at least ${min}, not "${raw}"`);
  return value;
}

export class UsageRequested extends Error {}
