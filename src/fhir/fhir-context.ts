import type { AccessContext } from '../access/index.js';
import type { Clock, Logger, Metrics } from '../base/index.js';
import type { Mode } from '../config/index.js';
import type { Store } from '../storage/index.js';
import type { FhirExtensions } from './fhir-extensions.js';

/** What every FHIR interaction needs, built once by http/app.ts and passed down. */
export interface FhirContext {
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  mode: Mode;
  /** `<base-url>/fhir`, without a trailing slash. */
  fhirBase: string;
  /** Most entries one batch or transaction may carry (it holds one database transaction). */
  maxBundleEntries: number;
  /**
   * Establishes who is calling from the `Authorization` header (undefined when absent): throws
   * `Unauthenticated` for a missing, invalid, expired or revoked token unless the server is open.
   */
  authenticate(authorization: string | undefined): Promise<AccessContext>;
  /** What other capabilities add: per-type write hooks, operations, a commit signal. */
  extensions: FhirExtensions;
}
