import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '../../src/auth/index.js';
import { testEngines } from '../harness/engines.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { runCli } from '../harness/cli.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition } from '../subscriptions/engine-harness.js';
import type { Parameter, Received } from '../subscriptions/receiver.js';
import { refer, type Referral } from '../handover/handover-harness.js';

const OPERATOR = 'operator-secret-for-review-tests';
const doctor = ['rev-doc', 'doctor-password'] as const;

/**
 * Issue 5 c, review before sending, black-box over real HTTP on both engines: a recipient whose
 * registration requires review subscribes (id-only); a change is held — nothing delivered, and the
 * recipient cannot read the resource; a clinician approves on the review page → delivered with its
 * original event number and readable; a rejected change reaches the recipient as an `empty`-level
 * event with the same number and the reason in the notification and `$status`, is recorded as an
 * AuditEvent and never becomes readable; a bulk approval keeps the original order, and a waiting
 * event holds back later approved ones. A recipient without review is unaffected throughout.
 */
for (const engine of testEngines()) {
  describe(`review before sending [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    let patientId = '';
    let reviewed: Referral;
    let plain: Referral;
    let clinician: FormBrowser;

    before(async () => {
      server = await startTestServer(engine, { operatorToken: OPERATOR });
      origin = new URL(server.fhirBase).origin;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Reviewed'))).body.id;
      const auth = server.server.services.store.auth;
      await createUser(auth, { username: doctor[0], password: doctor[1], fhirUser: 'Practitioner/rev1', displayName: 'Dr. Review' }, Date.now());
      await createUser(auth, { username: 'pat', password: 'patient-password', fhirUser: `Patient/${patientId}`, displayName: 'Pat Reviewed' }, Date.now());
      reviewed = await refer(server, { operator: OPERATOR, clinician: [doctor[0], doctor[1]], patientId, clientName: 'Reviewed Registry' });
      plain = await refer(server, { operator: OPERATOR, clinician: [doctor[0], doctor[1]], patientId, clientName: 'Plain Registry' });
      // The site's policy for this recipient (what `handover client review <id> required` does).
      assert.equal(await auth.setClientReview(reviewed.clientId, 'required'), true);
      clinician = await signedIn(doctor);
    });
    after(async () => {
      await reviewed?.receiver.stop();
      await plain?.receiver.stop();
      await server?.close();
    });

    const signedIn = async (user: readonly [string, string]) => {
      const browser = new FormBrowser();
      await browser.open(`${origin}/review`, origin);
      const form = browser.formFields('/auth/sign-in');
      form.set('username', user[0]);
      form.set('password', user[1]);
      await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form });
      return browser;
    };
    const as = (r: Referral) => ({ authorization: `Bearer ${r.tokens.access_token}` });
    const newProblem = async (id: string) => {
      const created = await http('PUT', `${server.fhirBase}/Condition/${id}`, condition(id, patientId, 'problem-list-item'));
      assert.ok(created.status === 201 || created.status === 200, created.text);
    };
    const pendingCount = async () => (await server.server.services.store.review.pending(reviewed.clientId)).length;
    const until = async (done: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const queuePage = async () => {
      const page = await clinician.open(`${origin}/review/${reviewed.clientId}`, origin);
      assert.equal(page.status, 200, page.html);
      return page.html!;
    };
    const decide = async (items: string[], decision: 'approve' | 'reject', reason?: string) => {
      const action = `/review/${reviewed.clientId}`;
      const form = new URLSearchParams({ csrf: clinician.formFields(action).get('csrf')! });
      for (const item of items) form.append('item', item);
      form.set('decision', decision);
      if (reason !== undefined) form.set('reason', reason);
      return clinician.open(`${origin}${action}`, origin, { method: 'POST', form });
    };
    const key = (n: number) => `${reviewed.subscriptionId}/${n}`;
    const lastEvent = (received: Received[]) => received.filter((r) => r.type === 'event-notification').at(-1)!;
    const eventParts = (r: Received) => r.bundle.entry[0]!.resource!.parameter!.filter((p) => p.name === 'notification-event');
    const errors = (parameters: Parameter[]) => parameters.filter((p) => p.name === 'error').map((p) => JSON.stringify(p));

    it('a held change: nothing delivered, the resource unreadable; approved on the page → delivered with its number, then readable', async () => {
      await newProblem('rv-1');
      await plain.receiver.until(() => plain.receiver.events().length === 1);
      assert.deepEqual(plain.receiver.events(), [1], 'a recipient without review is unaffected');
      await until(async () => (await pendingCount()) === 1);
      assert.deepEqual(reviewed.receiver.events(), [], 'held: nothing delivered');

      // An id-only notification followed by a read must not get around the review: 404, like an unknown resource.
      const read = await http('GET', `${server.fhirBase}/Condition/rv-1`, undefined, as(reviewed));
      assert.equal(read.status, 404, read.text);
      const search = await http('GET', `${server.fhirBase}/Condition?patient=Patient/${patientId}`, undefined, as(reviewed));
      assert.equal(search.status, 200);
      assert.deepEqual((search.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id), [], 'left out of searches');
      const history = await http('GET', `${server.fhirBase}/Condition/rv-1/_history/1`, undefined, as(reviewed));
      assert.equal(history.status, 404);
      const events = await http('GET', `${server.fhirBase}/Subscription/${reviewed.subscriptionId}/$events`, undefined, as(reviewed));
      assert.equal(events.status, 200, events.text);
      assert.ok(!events.text.includes('"notification-event"'), '$events ends before what waits');
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-1`, undefined, as(plain))).status, 200, 'others read it');

      // The clinician sees exactly what would leave, and approves it.
      const html = await queuePage();
      assert.match(html, /Event 1: create of Condition\/rv-1\/_history\/1/);
      assert.match(html, /&#34;problem-list-item&#34;/, 'the version as stored, escaped');
      assert.match(html, /a notification naming this version/);
      const decided = await decide([key(1)], 'approve');
      assert.equal(decided.status, 200);
      assert.match(decided.html!, /1 decided\./);
      await reviewed.receiver.until(() => reviewed.receiver.events().length === 1);
      assert.deepEqual(reviewed.receiver.events(), [1], 'the original event number');
      assert.equal(eventParts(lastEvent(reviewed.receiver.received))[0]!.part!.some((p) => p.name === 'focus'), true);
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-1`, undefined, as(reviewed))).status, 200, 'readable once approved');
    });

    it('a rejected change: an empty-level event with the same number and the reason, recorded, never readable', async () => {
      await newProblem('rv-2');
      await until(async () => (await pendingCount()) === 1);
      await queuePage();
      const noReason = await decide([key(2)], 'reject', '  ');
      assert.match(noReason.html!, /Give a reason to reject/);
      assert.equal(await pendingCount(), 1, 'nothing decided without a reason');
      await decide([key(2)], 'reject', 'Not part of the referral');

      await reviewed.receiver.until(() => reviewed.receiver.events().length === 2);
      assert.deepEqual(reviewed.receiver.events(), [1, 2], 'the same number: a visible gap, not a silent hole');
      const sent = lastEvent(reviewed.receiver.received);
      assert.equal(eventParts(sent)[0]!.part!.some((p) => p.name === 'focus'), false, 'empty level: no focus');
      assert.equal(sent.bundle.entry.length, 1, 'no resources');
      assert.match(errors(sent.bundle.entry[0]!.resource!.parameter!).join(), /event 2: withheld at review by a clinician: Not part of the referral/);
      // The round records its outcome just after the endpoint answered.
      const statusText = async () => (await http('GET', `${server.fhirBase}/Subscription/${reviewed.subscriptionId}/$status`, undefined, as(reviewed))).text;
      await until(async () => /withheld at review by a clinician: Not part of the referral/.test(await statusText()));
      const replay = await http('GET', `${server.fhirBase}/Subscription/${reviewed.subscriptionId}/$events`, undefined, as(reviewed));
      assert.match(replay.text, /Condition\/rv-1/, '$events replays the approved event with its focus');
      assert.doesNotMatch(replay.text, /rv-2/, 'and the rejected one without it');

      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-2`, undefined, as(reviewed))).status, 404, 'never readable');
      const audit = await http('GET', `${server.fhirBase}/AuditEvent/review-${reviewed.subscriptionId}-2`);
      assert.equal(audit.status, 200, audit.text);
      assert.equal(audit.body.outcome, '4');
      assert.match(audit.body.outcomeDesc, /Not part of the referral/);
      assert.equal(audit.body.agent.find((a: { requestor: boolean }) => a.requestor).who.reference, 'Practitioner/rev1');
      assert.ok(audit.body.entity.some((e: { what?: { reference: string } }) => e.what?.reference === 'Condition/rv-2/_history/1'));
      assert.match(await queuePage(), /Event 2 \(Condition\/rv-2\/_history\/1\): rejected — Not part of the referral/);
    });

    it('bulk approval keeps the original order; a waiting event holds back a later approved one', async () => {
      for (const id of ['rv-3', 'rv-4', 'rv-5']) await newProblem(id);
      await until(async () => (await pendingCount()) === 3);
      await plain.receiver.until(() => plain.receiver.events().length === 5);
      assert.deepEqual(plain.receiver.events(), [1, 2, 3, 4, 5]);

      await queuePage();
      await decide([key(4)], 'approve');
      assert.equal(await pendingCount(), 2);
      // Event 4 is approved but 3 still waits: delivery stays in number order (proven by the order 3, 4, 5 below).
      assert.deepEqual(reviewed.receiver.events(), [1, 2]);
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-4`, undefined, as(reviewed))).status, 200, 'approved: readable');
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-3`, undefined, as(reviewed))).status, 404);

      const html = await queuePage();
      assert.match(html, /Approve all 2/);
      const bulk = clinician.formFields(`/review/${reviewed.clientId}`);
      assert.deepEqual(bulk.getAll('item'), [key(3), key(5)], 'the bulk form names exactly what the page shows');
      bulk.set('decision', 'approve');
      await clinician.open(`${origin}/review/${reviewed.clientId}`, origin, { method: 'POST', form: bulk });
      await reviewed.receiver.until(() => reviewed.receiver.events().length === 5);
      assert.deepEqual(reviewed.receiver.events(), [1, 2, 3, 4, 5], 'original numbers, original order, each once');
      assert.equal(await pendingCount(), 0);
    });

    it('no window between a commit and its hold: a change the matcher has not read yet is not readable by the reviewed recipient', async () => {
      const engine = server.server.services.subscriptions;
      // The matcher stopped: the change is committed, and no event, no hold exists for it yet.
      await engine.stop();
      try {
        await newProblem('rv-window');
        const readable = await http('PUT', `${server.fhirBase}/Condition/rv-1`, condition('rv-1', patientId, 'problem-list-item', { note: [{ text: 'v2' }] }));
        assert.equal(readable.status, 200, readable.text);
        assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-window`, undefined, as(reviewed))).status, 404, 'a new resource: not readable');
        assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-1`, undefined, as(reviewed))).status, 404, 'an approved one, changed again: not readable');
        const search = await http('GET', `${server.fhirBase}/Condition?patient=Patient/${patientId}&_id=rv-window,rv-1`, undefined, as(reviewed));
        assert.deepEqual(search.body.entry ?? [], []);
        assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-window`, undefined, as(plain))).status, 200, 'others read it at once');
      } finally {
        engine.start();
      }
      // Matched and held now: still not readable, until a clinician approves.
      await until(async () => (await pendingCount()) === 2);
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-window`, undefined, as(reviewed))).status, 404);
      const bulk = (await queuePage(), clinician.formFields(`/review/${reviewed.clientId}`));
      bulk.set('decision', 'approve');
      await clinician.open(`${origin}/review/${reviewed.clientId}`, origin, { method: 'POST', form: bulk });
      await reviewed.receiver.until(() => reviewed.receiver.events().length === 7);
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-window`, undefined, as(reviewed))).status, 200, 'approved: readable');
      const current = await http('GET', `${server.fhirBase}/Condition/rv-1`, undefined, as(reviewed));
      assert.equal(current.body.meta.versionId, '2');
    });

    it('the policy at registration: the operator may set it; a wrong value, or in production any registration without the operator, is refused and registers nothing', async () => {
      const register = (at: TestServer, body: Record<string, unknown>, operator?: string) => http('POST', `${new URL(at.fhirBase).origin}/auth/register`,
        { client_name: 'Registered with a policy', grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1:9/cb'], ...body },
        { 'content-type': 'application/json', authorization: operator ? `Bearer ${operator}` : '' });
      const refusedWith = async (at: TestServer, body: Record<string, unknown>, operator?: string) => {
        const before = (await at.server.services.store.auth.listClients()).length;
        const refused = await register(at, body, operator);
        assert.equal(refused.status, 400, refused.text);
        assert.equal(refused.body.error, 'invalid_client_metadata');
        assert.match(refused.body.error_description, /handover_review/);
        assert.equal((await at.server.services.store.auth.listClients()).length, before, 'nothing registered');
      };
      await refusedWith(server, { handover_review: 'maybe' }, OPERATOR);
      await refusedWith(server, { handover_review: 7 }, OPERATOR);
      const accepted = await register(server, { handover_review: 'required' }, OPERATOR);
      assert.equal(accepted.status, 201, accepted.text);
      assert.equal(accepted.body.handover_review, 'required');
      assert.equal((await server.server.services.store.auth.getClient(accepted.body.client_id))?.review, 'required');
      // Production: registration, and the review policy with it, is the operator's alone (RFC 7591 initial access token).
      const production = await startTestServer(engine, { mode: 'production', operatorToken: OPERATOR });
      try {
        const before = (await production.server.services.store.auth.listClients()).length;
        const refused = await register(production, { handover_review: 'none' });
        assert.equal(refused.status, 401, refused.text);
        assert.equal(refused.body.error, 'invalid_token');
        assert.equal((await production.server.services.store.auth.listClients()).length, before, 'nothing registered');
        await refusedWith(production, { handover_review: 'sometimes' }, OPERATOR);
      } finally {
        await production.close();
      }
    });

    it('the site drops review (`handover client review <id> none`): what waits goes out with its number, no new change needed', async () => {
      await newProblem('rv-drop');
      await until(async () => (await pendingCount()) === 1);
      const before = reviewed.receiver.events();
      const dropped = await runCli(['client', 'review', reviewed.clientId, 'none', '--db', server.dbUrl]);
      assert.equal(dropped.code, 0, dropped.stderr);
      await reviewed.receiver.until(() => reviewed.receiver.events().length === before.length + 1);
      assert.deepEqual(reviewed.receiver.events(), [...before, before.length + 1], 'the next number, once');
      assert.equal((await http('GET', `${server.fhirBase}/Condition/rv-drop`, undefined, as(reviewed))).status, 200, 'readable without review');
    });

    it('only a signed-in clinician reviews, only with the form of this site', async () => {
      const patient = await signedIn(['pat', 'patient-password']);
      const page = await patient.open(`${origin}/review`, origin);
      assert.equal(page.status, 403);
      const anonymous = new FormBrowser();
      assert.match((await anonymous.open(`${origin}/review`, origin)).html!, /action="\/auth\/sign-in"/);
      const forged = await clinician.open(`${origin}/review/${reviewed.clientId}`, origin, { method: 'POST',
        form: new URLSearchParams({ item: key(1), decision: 'approve', csrf: 'forged' }) });
      assert.equal(forged.status, 403);
      const noSession = await fetch(`${origin}/review/${reviewed.clientId}`, { redirect: 'manual' });
      assert.equal(noSession.status, 303, 'no session: to the sign-in');
      assert.match(noSession.headers.get('location')!, /^\/auth\/sign-in\?next=/);
    });
  });
}
