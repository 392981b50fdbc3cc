import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason, CHROMIUM_PATH } from '../harness/chromium.js';
import { runCli } from '../harness/cli.js';

/**
 * `handover demo` (issue 6 c) as a user runs it, headless: it starts its own server and registry,
 * performs the story in Chromium, prints each step with its duration, and exits 0 only when the
 * whole story was observed — 3 while steps 5 and 7 (the patient portal, issue 5) do not exist yet.
 */
describe('handover demo', () => {
  it('--help says what it does, its options and its exit codes', async () => {
    const { code, stdout } = await runCli(['demo', '--help']);
    assert.equal(code, 0);
    for (const text of ['--headed', '--keep-running', 'HANDOVER_CHROMIUM', 'Exit code', 'not available yet']) assert.ok(stdout.includes(text), text);
  });

  it('says exactly how to install Chromium when it is missing, and exits 2', async () => {
    const { code, stdout } = await runCli(['demo'], { HANDOVER_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(code, 2);
    assert.match(stdout, /no(ne)? .*\/nonexistent\/chromium/);
    assert.match(stdout, /apt-get install -y chromium/);
    assert.match(stdout, /HANDOVER_CHROMIUM/);
  });

  it('tells and performs the story headless: every available step passes, the missing ones are said to be missing', { skip: chromiumSkipReason(), timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await runCli(['demo'], { HANDOVER_CHROMIUM: CHROMIUM_PATH }, 280_000);
    const steps = new Map([...stdout.matchAll(/^ ?(\d)\/7 {2}.*\n {7}(✓|✗|-) (.*)$/gm)].map((m) => [Number(m[1]), { mark: m[2], text: m[3]! }]));
    assert.deepEqual([...steps.keys()], [1, 2, 3, 4, 5, 6, 7], `every step is narrated:\n${stdout}\n${stderr}`);
    for (const n of [1, 2, 3, 4, 6]) {
      assert.equal(steps.get(n)!.mark, '✓', `step ${n} passed:\n${stdout}`);
      assert.match(steps.get(n)!.text, /\(\d+\.\d s\)$/, 'with its duration');
    }
    for (const n of [5, 7]) assert.match(steps.get(n)!.text, /^NOT YET AVAILABLE: .*issue 5.*Not run, not counted as passed\.$/);
    assert.match(stdout, /5 of 7 steps passed; 2 not yet available \(5, 7\); 0 failed/);
    assert.equal(code, 3, 'not 0 while the story is incomplete');
  });
});
