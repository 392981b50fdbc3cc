import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason, CHROMIUM_PATH } from '../harness/chromium.js';
import { runCli } from '../harness/cli.js';

/**
 * `handover demo` (issue 6 c) as a user runs it, headless: it starts its own server and registry,
 * performs the story in Chromium, prints each step with its duration, and exits 0 only when the
 * whole story was observed: the referral, the subscriptions, the changes, the patient's handover
 * (step 5), and her revocation with the disclosure log (step 7).
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

  it('tells and performs the whole story headless: every step passes, and it exits 0', { skip: chromiumSkipReason(), timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await runCli(['demo'], { HANDOVER_CHROMIUM: CHROMIUM_PATH }, 280_000);
    const steps = new Map([...stdout.matchAll(/^ ?(\d)\/7 {2}.*\n {7}(✓|✗|-) (.*)$/gm)].map((m) => [Number(m[1]), { mark: m[2], text: m[3]! }]));
    assert.deepEqual([...steps.keys()], [1, 2, 3, 4, 5, 6, 7], `every step is narrated:\n${stdout}\n${stderr}`);
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      assert.equal(steps.get(n)!.mark, '✓', `step ${n} passed:\n${stdout}`);
      assert.match(steps.get(n)!.text, /\(\d+\.\d s\)$/, 'with its duration');
    }
    // What each of the patient's steps observed, said in the narration.
    assert.match(steps.get(5)!.text, /approved as Eleanor Whitfield; the registry, checked since: sharing active, 2 subscriptions active/);
    assert.match(steps.get(6)!.text, /event numbers continued without reset \(.*problem-list-changed (\d+) → (?!\1\b)\d+/);
    assert.match(steps.get(7)!.text, /the registry noticed \(sharing ended: .*\) and the change written after the stop never reached it/);
    assert.match(steps.get(7)!.text, /disclosure log lists \d+ disclosures to .* — [1-9]\d* reads, [1-9]\d* searches, [1-9]\d* notifications, covering each of the 3 changes/);
    assert.doesNotMatch(stdout, /NOT YET AVAILABLE/);
    assert.match(stdout, /7 of 7 steps passed; 0 not yet available; 0 failed/);
    assert.equal(code, 0, 'the whole story was observed');
  });
});
