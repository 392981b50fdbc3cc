import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addSampleUsers } from '../../src/auth/index.js';
import { chromiumSkipReason, useChromium } from '../harness/chromium.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { signIn } from '../harness/user-pages.js';
import { condition } from '../subscriptions/engine-harness.js';
import { refer, type Referral } from '../handover/handover-harness.js';

const OPERATOR = 'operator-secret-for-review-pages';
const REGISTRY = 'Lakeside Registry <i>&</i>';

/**
 * Review before sending (issue 5 c) as Dr. Okafor uses it in Chromium: a referral's recipient
 * requires review; a change to the patient's problem list waits. He opens the review page, sees
 * the recipient (its name escaped) and exactly what would leave, approves one event with the
 * keyboard and rejects the next with a reason; the recipient gets the first with its number and
 * the second as an empty-level event, and can read only the approved resource.
 */
describe('review before sending in Chromium', { skip: chromiumSkipReason() }, () => {
  const browser = useChromium();
  let server: TestServer;
  let origin: string;
  let referral: Referral;

  before(async () => {
    server = await startTestServer('sqlite', { operatorToken: OPERATOR });
    origin = new URL(server.fhirBase).origin;
    await http('PUT', `${server.fhirBase}/Patient/example-patient`, { ...patientBody('Whitfield'), id: 'example-patient' });
    await addSampleUsers(server.server.services.store.auth, Date.now());
    referral = await refer(server, { operator: OPERATOR, clinician: ['dr.okafor', 'sandbox-clinician'], patientId: 'example-patient', clientName: REGISTRY });
    assert.equal(await server.server.services.store.auth.setClientReview(referral.clientId, 'required'), true);
  });
  after(async () => {
    await referral?.receiver.stop();
    await server?.close();
  });

  const as = () => ({ authorization: `Bearer ${referral.tokens.access_token}` });
  const waiting = async (n: number) => {
    for (let i = 0; i < 400 && (await server.server.services.store.review.pending(referral.clientId)).length < n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('a clinician approves one event with the keyboard and rejects another with a reason; only the approved one is readable', async () => {
    await http('PUT', `${server.fhirBase}/Condition/rp-1`, condition('rp-1', 'example-patient', 'problem-list-item'));
    await http('PUT', `${server.fhirBase}/Condition/rp-2`, condition('rp-2', 'example-patient', 'problem-list-item'));
    await waiting(2);

    const page = await (await browser().newContext()).newPage();
    await page.goto(`${origin}/review`);
    await signIn(page, 'dr.okafor', 'sandbox-clinician');
    await page.getByRole('heading', { level: 1, name: 'Review before sending' }).waitFor();
    // The recipient's name is text, never markup.
    const link = page.getByRole('link', { name: REGISTRY });
    assert.equal(await link.count(), 1);
    assert.equal(await page.locator('i').count(), 0, 'no markup from the registration');
    await link.click();

    const first = page.getByRole('article', { name: 'Event 1: create of Condition/rp-1/_history/1' });
    await first.waitFor();
    assert.match(await first.locator('pre').innerText(), /"problem-list-item"/, 'the version as it would leave');
    // Keyboard only: focus the approve button and press Enter.
    await first.getByRole('button', { name: 'Approve event 1' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: '1 decided.' }).waitFor();

    const second = page.getByRole('article', { name: 'Event 2: create of Condition/rp-2/_history/1' });
    await second.getByLabel('Reason for rejecting (the recipient sees it)').fill('Not part of the referral');
    await second.getByRole('button', { name: 'Reject event 2' }).click();
    await page.getByRole('heading', { level: 2, name: 'Decided recently' }).waitFor();
    const log = await page.locator('ol.log li').allInnerTexts();
    assert.ok(log.some((line) => /Event 2 \(Condition\/rp-2\/_history\/1\): rejected — Not part of the referral/.test(line)), log.join('\n'));

    await referral.receiver.until(() => referral.receiver.events().length === 2);
    assert.deepEqual(referral.receiver.events(), [1, 2]);
    assert.equal((await http('GET', `${server.fhirBase}/Condition/rp-1`, undefined, as())).status, 200, 'approved: readable');
    assert.equal((await http('GET', `${server.fhirBase}/Condition/rp-2`, undefined, as())).status, 404, 'rejected: never readable');
  });
});
