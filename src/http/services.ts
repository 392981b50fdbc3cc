import type { Clock, Logger } from '../base/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../storage/index.js';

/** Everything long-lived, built once per process and passed down; no module singletons. */
export interface Services {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
}
