import type { Command } from 'commander';
import { runSiblingProgram } from './run-sibling-program.js';

/**
 * `handover registry [--port 8090] [--fhir <FHIR base>] [--db sqlite:…]`: starts the reference
 * registry. It is a separate process that talks to the server only over HTTP, and src/ may not
 * import registry/ (layer rule), so this command only spawns it: the compiled
 * `dist/registry/main.js` when installed, else `registry/main.ts` through tsx in a checkout.
 * Signals are passed on; the exit code is the registry's.
 */
export function addRegistryCommand(program: Command): void {
  program.command('registry')
    .description('start the reference registry (a SMART app and Subscription recipient; its own port and database)')
    .helpOption(false).allowUnknownOption(true).argument('[args...]', 'registry options: --port, --host, --fhir, --db, --public-url, --help')
    .action((args: string[]) => runSiblingProgram('registry', args));
}
