export { OPTIONS, ConfigError, type Config, type Mode, type OptionSpec, type SqliteSynchronous } from './options.js';
export { loadConfig } from './load-config.js';
export { renderOptionsTable } from './render-options-table.js';
