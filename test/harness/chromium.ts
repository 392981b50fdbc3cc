import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

/** Debian's package (`apt-get install -y chromium`); .ci/run installs it when missing. */
export const CHROMIUM_PATH = process.env.HANDOVER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags this machine needs: no sandbox as root in a container, and none of Chromium's own
 * background traffic (updates, sync, QUIC probes), whose connections the closed network refuses.
 */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const inCi = () => Boolean(process.env.CI) || process.env.HANDOVER_TEST_PG_REQUIRED === '1';

/**
 * Why the browser suites cannot run here, or undefined when they can. Only a developer machine
 * without Chromium skips; in CI a missing Chromium is left to fail at launch, loudly.
 */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || inCi()) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) to run the browser tests`;
}

/**
 * One Chromium per test file (starting it costs a second or two): launched before the enclosing
 * suite's tests, closed after them. Tests open their own contexts, so cookies never leak between them.
 */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium was not launched');
    return browser;
  };
}
