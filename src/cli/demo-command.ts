import type { Command } from 'commander';
import { runSiblingProgram } from './run-sibling-program.js';

/**
 * `handover demo [--headed] [--keep-running]`: the whole story, end to end (issue 6 c).
 * The demo starts the server and the reference registry as processes of their own and drives them
 * over HTTP and Chromium; src/ may not import demo/ (layer rule), so this command only spawns it:
 * the compiled `dist/demo/main.js` when installed, else `demo/main.ts` through tsx in a checkout.
 */
export function addDemoCommand(program: Command): void {
  program.command('demo')
    .description('start a sandbox server and the reference registry, and perform the referral story step by step in Chromium')
    .helpOption(false).allowUnknownOption(true).argument('[args...]', 'demo options: --headed, --keep-running, --help')
    .action((args: string[]) => runSiblingProgram('demo', args));
}
