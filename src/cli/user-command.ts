import { type Command } from 'commander';
import { createUser } from '../auth/index.js';
import { createServices } from '../http/index.js';
import { addConfigOptions, configFromFlags } from './config-options.js';

/**
 * `handover user add …`: a practitioner or patient who can sign in, linked to their FHIR record.
 * The password is read from HANDOVER_USER_PASSWORD (not a flag: flags end up in shell history and
 * in `ps`).
 */
export function addUserCommand(program: Command): void {
  const user = program.command('user').description('manage the people who sign in');
  const add = user.command('add').description('add a user; the password comes from HANDOVER_USER_PASSWORD')
    .requiredOption('--username <name>', 'sign-in name')
    .requiredOption('--fhir-user <reference>', 'their FHIR record: Practitioner/<id> or Patient/<id>')
    .requiredOption('--display-name <name>', 'the name shown on pages');
  addConfigOptions(add, ['db', 'sqliteSynchronous', 'logLevel']).action(async (flags: Record<string, unknown>) => {
    const password = process.env.HANDOVER_USER_PASSWORD;
    if (!password) {
      process.stderr.write('handover user add: set HANDOVER_USER_PASSWORD to the new user\'s password\n');
      process.exit(2);
    }
    const config = configFromFlags({ ...flags, logLevel: flags.logLevel ?? 'warn' });
    const services = createServices(config);
    try {
      await services.store.migrate();
      const [type, id] = String(flags.fhirUser).split('/');
      if (!(await services.store.readCurrent(type ?? '', id ?? ''))?.json) {
        process.stderr.write(`handover user add: warning: ${String(flags.fhirUser)} does not exist (yet) in this database\n`);
      }
      const created = await createUser(services.store.auth, {
        username: String(flags.username), password, fhirUser: String(flags.fhirUser), displayName: String(flags.displayName),
      }, Date.now());
      process.stdout.write(`added user ${created.username} (${created.fhirUser}), id ${created.userId}\n`);
    } catch (error) {
      process.stderr.write(`handover user add: ${(error as Error).message}\n`);
      process.exitCode = 2;
    } finally {
      await services.store.close();
    }
  });
}
