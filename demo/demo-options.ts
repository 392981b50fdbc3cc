import { parseArgs } from 'node:util';

export interface DemoOptions {
  /** A visible browser window (needs a display); implies keepRunning. */
  headed: boolean;
  /** After the story, leave the server, the registry and the pages running until Ctrl-C. */
  keepRunning: boolean;
  chromium: string;
}

export const DEMO_USAGE = `handover demo [--headed] [--keep-running]
Starts a sandbox Handover server (SQLite, fresh sample data in a temporary folder) and the reference
registry, then tells and performs the story of a referral step by step in Chromium.
  --headed        show the browser (needs a display); leaves everything running at the end
  --keep-running  leave the server, the registry and the pages running until Ctrl-C
Environment: HANDOVER_CHROMIUM, the Chromium binary (default /usr/bin/chromium).
Exit code: 0 every step's expected outcome was observed; 1 a step failed; 2 cannot run (no Chromium);
3 every available step passed, but some steps of the story are not available yet.`;

export class UsageRequested extends Error {}

export function parseDemoOptions(argv: string[], env: NodeJS.ProcessEnv): DemoOptions {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: { headed: { type: 'boolean' }, 'keep-running': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) throw new UsageRequested();
  const headed = values.headed ?? false;
  return { headed, keepRunning: headed || (values['keep-running'] ?? false), chromium: env.HANDOVER_CHROMIUM ?? '/usr/bin/chromium' };
}
