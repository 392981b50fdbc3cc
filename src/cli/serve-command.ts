import type { Command } from 'commander';
import { startServer } from '../http/index.js';
import { addConfigOptions, configFromFlags } from './config-options.js';

export function addServeCommand(program: Command): void {
  const serve = program.command('serve').description('start the Handover server (FHIR API at <base-url>/fhir)');
  addConfigOptions(serve).action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags(flags);
    const server = await startServer(config);
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
