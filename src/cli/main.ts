#!/usr/bin/env node
import { Command } from 'commander';
import { SOFTWARE_VERSION } from '../base/index.js';
import { addClientCommand } from './client-command.js';
import { addDemoCommand } from './demo-command.js';
import { addRegistryCommand } from './registry-command.js';
import { addServeCommand } from './serve-command.js';
import { addSeedCommand } from './seed-command.js';
import { addUserCommand } from './user-command.js';

/** `handover <command>`: composition only; each command lives in its own file. */
const program = new Command('handover')
  .description('Share a patient\'s chart with an outside service under SMART on FHIR authorization.\n'
    + 'Every option can also be set with its HANDOVER_* environment variable; flags win.')
  .version(SOFTWARE_VERSION)
  .showHelpAfterError();
addServeCommand(program);
addSeedCommand(program);
addClientCommand(program);
addUserCommand(program);
addRegistryCommand(program);
addDemoCommand(program);
await program.parseAsync(process.argv);
