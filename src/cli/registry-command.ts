import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

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
    .action((args: string[]) => {
      const compiled = fileURLToPath(new URL('../../registry/main.js', import.meta.url));
      const source = fileURLToPath(new URL('../../registry/main.ts', import.meta.url));
      const command = existsSync(compiled) ? [compiled] : ['--import', 'tsx', source];
      const child = spawn(process.execPath, [...command, ...args], { stdio: 'inherit' });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    });
}
