#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Browser, BrowserType } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_USAGE, parseDemoOptions, UsageRequested, type DemoOptions } from './demo-options.js';
import { ehrWriter } from './ehr-writer.js';
import { freePort, REGISTRY_MAIN, SERVER_MAIN, startChild, type Child } from './processes.js';
import { CLINICIAN, PATIENT_USER, STORY, type StoryContext } from './story.js';

/**
 * `handover demo` (issue 6 c): the whole story, told and proven. A process of its own — like the
 * registry it never imports the server's source; it starts `handover serve` and the registry as
 * children and drives them through HTTP and a real Chromium.
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(options: DemoOptions): Promise<number> {
  if (!existsSync(options.chromium)) {
    say(`handover demo needs Chromium, and there is none at ${options.chromium}.`);
    say('Install it — Debian/Ubuntu: sudo apt-get install -y chromium — or point HANDOVER_CHROMIUM at a Chromium or Chrome binary.');
    return 2;
  }
  // Loaded only now, so a missing playwright-core gets a sentence, not a stack trace.
  let launch: BrowserType['launch'];
  try {
    const { chromium } = await import('playwright-core');
    launch = chromium.launch.bind(chromium);
  } catch {
    say('handover demo drives Chromium with playwright-core, which is not installed: npm install playwright-core');
    return 2;
  }

  // Ctrl-C at any point: stop the story, then clean up below (children, browser, temporary folder).
  let interrupted = false;
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { interrupted = true; resolve(); });
  });
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'handover-demo-'));
  const children: Child[] = [];
  let browser: Browser | undefined;
  const cleanUp = async () => {
    await browser?.close().catch(() => undefined);
    for (const child of children.reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    say('Handover demo: a referral to an outside registry, told and performed step by step.');
    const [serverPort, registryPort] = [await freePort(), await freePort()];
    const serverUrl = `http://localhost:${serverPort}`;
    const fhirBase = `${serverUrl}/fhir`;
    const registryUrl = `http://127.0.0.1:${registryPort}`;
    const staffPassword = randomBytes(12).toString('base64url');
    let t = Date.now();
    children.push(await startChild('the Handover server', [...SERVER_MAIN, 'serve', '--port', String(serverPort), '--db', `sqlite:${join(dir, 'handover.db')}`],
      { HANDOVER_LOG_LEVEL: 'warn' }, `http://127.0.0.1:${serverPort}/readyz`));
    say(`  server    ${serverUrl} (sandbox mode, SQLite, fresh sample data in ${dir})  ${seconds(Date.now() - t)}`);
    t = Date.now();
    children.push(await startChild('the reference registry', [...REGISTRY_MAIN, '--port', String(registryPort), '--fhir', fhirBase, '--db', `sqlite:${join(dir, 'registry.db')}`, '--check-every', '2'],
      { HANDOVER_REGISTRY_STAFF_PASSWORD: staffPassword }, `${registryUrl}/healthz`));
    say(`  registry  ${registryUrl} (its own process and database; registered itself by RFC 7591)  ${seconds(Date.now() - t)}`);
    // The demo handles the signals itself (its children and temporary folder go with the browser).
    browser = await launch({ executablePath: options.chromium, args: CHROMIUM_ARGS, headless: !options.headed, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    say(`  browser   Chromium (${options.headed ? 'headed' : 'headless'})`);
    say();

    const ctx: StoryContext = { serverUrl, fhirBase, registryUrl, staffPassword, browser, sent: [], ehr: await ehrWriter(fhirBase, 'system/Condition.cruds system/MedicationRequest.cruds') };
    const outcome = { passed: [] as number[], failed: [] as number[], notYet: [] as number[], notRun: [] as number[] };
    for (const [i, step] of STORY.entries()) {
      const n = i + 1;
      if (interrupted) break;
      say(`${String(n).padStart(2)}/${STORY.length}  ${step.title}`);
      if (outcome.failed.length > 0) {
        outcome.notRun.push(n);
        say('       - not run: an earlier step failed');
        continue;
      }
      if (!step.run) {
        outcome.notYet.push(n);
        say(`       - NOT YET AVAILABLE: ${step.notYet ?? 'not built yet'}. Not run, not counted as passed.`);
        continue;
      }
      const stepStarted = Date.now();
      try {
        const observed = await step.run(ctx);
        outcome.passed.push(n);
        say(`       ✓ ${observed}  (${seconds(Date.now() - stepStarted)})`);
      } catch (error) {
        outcome.failed.push(n);
        say(`       ✗ FAILED after ${seconds(Date.now() - stepStarted)}: ${(error as Error).message}`);
      }
    }
    say();
    const list = (numbers: number[]) => (numbers.length > 0 ? ` (${numbers.join(', ')})` : '');
    say(`${outcome.passed.length} of ${STORY.length} steps passed; ${outcome.notYet.length} not yet available${list(outcome.notYet)}; `
      + `${outcome.failed.length} failed${list(outcome.failed)}${outcome.notRun.length > 0 ? `; ${outcome.notRun.length} not run` : ''} — ${seconds(Date.now() - started)} in all.`);
    if (outcome.notYet.length > 0) say('The story is not complete until those steps exist; the demo does not pretend they passed (exit code 3).');
    if (outcome.failed.length > 0) for (const child of children) say(`\n--- ${child.name} said:\n${child.output().slice(-3000)}`);
    // Exit 0 only when the whole story was observed; 3 says "all that exists works, the rest does not exist yet".
    const code = outcome.failed.length > 0 ? 1 : outcome.notYet.length > 0 ? 3 : 0;

    if (options.keepRunning) {
      say();
      say(`Still running — Ctrl-C to stop. The chart: ${serverUrl}/ehr/patients/example-patient (sign in ${CLINICIAN.username} / ${CLINICIAN.password});`);
      say(`the patient portal: ${serverUrl}/portal (sign in ${PATIENT_USER.username} / ${PATIENT_USER.password});`);
      say(`the registry's staff page: ${registryUrl}/staff (user staff, password ${staffPassword}).`);
      await stopRequested;
      say('Stopping the browser, the registry and the server…');
    }
    return interrupted && !options.keepRunning ? 130 : code;
  } catch (error) {
    say(`handover demo could not run: ${(error as Error).message}`);
    return 1;
  } finally {
    await cleanUp();
  }
}

try {
  process.exitCode = await main(parseDemoOptions(process.argv.slice(2), process.env));
} catch (error) {
  if (error instanceof UsageRequested) {
    say(DEMO_USAGE);
  } else {
    say(`handover demo: ${(error as Error).message}\n${DEMO_USAGE}`);
    process.exitCode = 2;
  }
}
