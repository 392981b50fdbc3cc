import type { Command } from 'commander';
import { startServer } from '../http/index.js';
import { SigningKeysUnreadable } from '../access/index.js';
import { StorageInUse } from '../storage/index.js';
import { addConfigOptions, configFromFlags } from './config-options.js';

export function addServeCommand(program: Command): void {
  const serve = program.command('serve').description('start the Handover server (FHIR API at <base-url>/fhir)');
  addConfigOptions(serve).action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags(flags);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config);
    } catch (error) {
      if (!(error instanceof StorageInUse) && !(error instanceof SigningKeysUnreadable)) throw error;
      process.stderr.write(`handover serve: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`Handover ${config.mode} server: FHIR base ${config.baseUrl}/fhir (listening on ${server.url})\n`);
    const stop = (signal: string) => {
      server.services.log.info({ signal }, 'shutting down: finishing in-flight requests');
      server.close().then(() => process.exit(0), (error: unknown) => {
        server.services.log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
