import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, OPTIONS, type Config } from '../config/index.js';

/** Declares the config table's options on a command, with defaults and variables in the help. */
export function addConfigOptions(command: Command, keys?: (keyof Config)[]): Command {
  for (const spec of OPTIONS) {
    if (keys && !keys.includes(spec.key)) continue;
    const shown = spec.defaultValue !== undefined ? String(spec.defaultValue) : spec.derivedNote ?? 'none';
    command.addOption(new Option(`${spec.flag} <${spec.valueName ?? 'value'}>`, `${spec.description} (default: ${shown}; env ${spec.env})`));
  }
  return command;
}

/** Flags as commander parsed them → validated Config; exits with a readable message on error. */
export function configFromFlags(flags: Record<string, unknown>): Config {
  const raw: Partial<Record<keyof Config, string>> = {};
  for (const spec of OPTIONS) {
    const value = flags[spec.key];
    if (value !== undefined) raw[spec.key] = String(value);
  }
  try {
    return loadConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`handover: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
