import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageConflict, type NewEvent, type NewSubscription } from '../../src/storage/index.js';
import { testEngines } from '../harness/engines.js';
import { useTestStore } from '../harness/test-store.js';
import { write } from '../subscriptions/engine-harness.js';
import type { Resource } from '../../src/model/index.js';

const subscription = (id: string, extra: Partial<NewSubscription> = {}): NewSubscription => ({
  id, grantId: 'g1', topicUrl: 'http://t/problems', patientKey: 'p1', settings: '{}', status: 'requested', now: 1000, ...extra,
});
const event = (subscriptionId: string, focusId: string): NewEvent => ({
  subscriptionId, focusType: 'Condition', focusId, focusVersion: 1, interaction: 'create', occurredAt: 900,
});

for (const engine of testEngines()) {
  describe(`subscription records [${engine}]`, () => {
    const store = useTestStore(engine);
    const records = () => store().subscriptions;

    it('stores a subscription with its grant; the catalog lists each with its topic and patient', async () => {
      await records().insertSubscription(subscription('s1'));
      await records().insertSubscription(subscription('s2', { patientKey: 'p2' }));
      await records().insertSubscription(subscription('s3', { patientKey: null }));
      await records().insertSubscription(subscription('s4', { topicUrl: 'http://t/other', patientKey: null }));
      const s1 = await records().getSubscription('s1');
      assert.equal(s1?.grantId, 'g1');
      assert.equal(s1?.status, 'requested');
      assert.equal(s1?.nextAttemptAt, 1000);
      // (Which of them a change matches is the in-memory catalog's: src/subscriptions/subscription-catalog.test.ts.)
      const listed = (await records().catalog()).subscriptions.map((s) => `${s.id} ${s.topicUrl} ${s.patientKey}`).sort();
      assert.deepEqual(listed, ['s1 http://t/problems p1', 's2 http://t/problems p2', 's3 http://t/problems null', 's4 http://t/other null']);
    });

    it('numbers events from 1 per subscription and moves the cursor in the same transaction', async () => {
      assert.equal(await records().readCursor('m'), '');
      const first = await records().recordEvents('m', '', 'c1', [event('s1', 'a'), event('s3', 'a'), event('s1', 'b')], 2000);
      assert.deepEqual(first.map((e) => `${e.subscriptionId}#${e.eventNumber}`), ['s1#1', 's3#1', 's1#2']);
      assert.equal(await records().readCursor('m'), 'c1');
      const second = await records().recordEvents('m', 'c1', 'c2', [event('s1', 'c')], 2100);
      assert.equal(second[0]?.eventNumber, 3);
      assert.equal((await records().getSubscription('s1'))?.eventsSinceStart, 3);
      assert.deepEqual((await records().eventsAfter('s1', 1, 10)).map((e) => e.focusId), ['b', 'c']);
    });

    it('a stale cursor records nothing: no duplicates, no lost numbers', async () => {
      await assert.rejects(records().recordEvents('m', 'c1', 'c9', [event('s1', 'dup')], 2200), StorageConflict);
      assert.equal(await records().readCursor('m'), 'c2');
      assert.equal((await records().getSubscription('s1'))?.eventsSinceStart, 3);
      assert.equal((await records().eventsAfter('s1', 0, 10)).length, 3);
    });

    it('leases due subscriptions once, and a finished round releases them', async () => {
      const claimed = await records().claimDue(5000, 6000, 10);
      assert.ok(claimed.some((s) => s.id === 's1'));
      assert.equal((await records().claimDue(5000, 6000, 10)).length, 0, 'leased: nobody else gets them');
      await records().finishDelivery('s1', {
        status: 'active', error: null, failingSince: null, failures: 0, lastDelivered: 2, lastSentAt: 5100, nextAttemptAt: null,
        continueIfPending: true, claimedStatus: 'requested', now: 5100, delivered: { at: 5100, after: 0 },
      });
      const s1 = await records().getSubscription('s1');
      assert.equal(s1?.status, 'active');
      assert.equal(s1?.lastDelivered, 2);
      assert.equal(s1?.nextAttemptAt, 5100, 'event 3 is still pending: come back at once');
      assert.equal(s1?.leasedUntil, null);
      assert.deepEqual((await records().eventsBetween('s1', 1, 3)).map((e) => e.deliveredAt), [5100, 5100, null]);
    });

    it('a restart skips the backlog (kept for $events) and keeps the counter', async () => {
      await records().restartSubscription('s1', 7000);
      const s1 = await records().getSubscription('s1');
      assert.equal(s1?.status, 'requested');
      assert.equal(s1?.lastDelivered, 3);
      assert.equal(s1?.eventsSinceStart, 3);
      assert.equal((await records().eventsBetween('s1', 1, 3)).length, 3);
      const next = await records().recordEvents('m', 'c2', 'c3', [event('s1', 'd')], 7100);
      assert.equal(next[0]?.eventNumber, 4);
    });

    it('records attempts and prunes old delivered or skipped events and old attempts only', async () => {
      await records().recordAttempt({ subscriptionId: 's1', attemptedAt: 5100, kind: 'event-notification', firstEvent: 1, lastEvent: 2, ok: true, statusCode: 200, latencyMs: 12, error: null });
      await records().recordAttempt({ subscriptionId: 's1', attemptedAt: 9000, kind: 'heartbeat', firstEvent: null, lastEvent: null, ok: false, statusCode: 500, latencyMs: 3, error: 'HTTP 500' });
      assert.deepEqual((await records().attemptsOf('s1', 10)).map((a) => a.kind), ['heartbeat', 'event-notification']);
      const removed = await records().pruneBefore(8000);
      assert.equal(removed, 4); // events 1 and 2 (delivered at 5100), 3 (skipped by the restart, recorded at 2100), the attempt at 5100
      assert.deepEqual((await records().eventsAfter('s1', 0, 10)).map((e) => e.eventNumber), [4], 'event 4 is still owed');
    });

    it('deleting a subscription removes its events and attempts', async () => {
      assert.equal(await records().deleteSubscription('s1'), true);
      assert.equal(await records().getSubscription('s1'), undefined);
      assert.equal((await records().eventsAfter('s1', 0, 10)).length, 0);
      assert.equal(await records().deleteSubscription('s1'), false);
    });
  });

  describe(`a batch of events in one record [${engine}]`, () => {
    const store = useTestStore(engine);
    const records = () => store().subscriptions;

    it('numbers each subscription\'s events on from its counter, in the order given; a deleted subscription\'s are dropped', async () => {
      for (const id of ['a', 'b', 'gone']) await records().insertSubscription(subscription(id));
      await records().recordEvents('m', '', 'c1', [event('a', 'x')], 1000);
      await records().deleteSubscription('gone');
      const batch = [event('b', '1'), event('a', '1'), event('gone', '1'), event('a', '2'), event('b', '2'), event('a', '3')];
      const recorded = await records().recordEvents('m', 'c1', 'c2', batch, 2000);
      assert.deepEqual(recorded.map((e) => `${e.subscriptionId}#${e.eventNumber}:${e.focusId}`), ['b#1:1', 'a#2:1', 'a#3:2', 'b#2:2', 'a#4:3']);
      assert.deepEqual((await records().eventsAfter('a', 0, 10)).map((e) => `${e.eventNumber}:${e.focusId}:${e.recordedAt}`), ['1:x:1000', '2:1:2000', '3:2:2000', '4:3:2000']);
      assert.equal((await records().getSubscription('b'))?.eventsSinceStart, 2);
      assert.equal(await records().readCursor('m'), 'c2');
      // A batch without events still moves the cursor.
      assert.deepEqual(await records().recordEvents('m', 'c2', 'c3', [], 2100), []);
      assert.equal(await records().readCursor('m'), 'c3');
    });

    it('wakes an idle active subscription at once; one backing off keeps its time', async () => {
      await records().insertSubscription(subscription('idle', { status: 'active' }));
      await records().insertSubscription(subscription('failing', { status: 'active' }));
      const claimed = await records().claimDue(3000, 3500, 10);
      for (const s of claimed.filter((c) => c.id === 'idle' || c.id === 'failing')) {
        await records().finishDelivery(s.id, { status: s.id === 'idle' ? 'active' : 'error', error: null, failingSince: null, failures: s.id === 'idle' ? 0 : 1,
          lastDelivered: 0, lastSentAt: null, nextAttemptAt: s.id === 'idle' ? null : 9000, continueIfPending: false, claimedStatus: s.status, now: 3100 });
      }
      await records().recordEvents('m', 'c3', 'c4', [event('idle', 'w'), event('failing', 'w')], 4000);
      assert.equal((await records().getSubscription('idle'))?.nextAttemptAt, 4000);
      assert.equal((await records().getSubscription('failing'))?.nextAttemptAt, 9000);
    });

    it('two matchers from one position, also the very first: one records, the other is refused and records nothing', async () => {
      for (const [matcher, from, to] of [['first', '', 'f1'], ['m', 'c4', 'c5']] as const) {
        const tries = await Promise.allSettled([0, 1].map(() => records().recordEvents(matcher, from, to, [event('b', `race-${matcher}`)], 5000)));
        assert.equal(tries.filter((t) => t.status === 'fulfilled').length, 1, `${matcher}: one wins`);
        const refused = tries.find((t) => t.status === 'rejected') as PromiseRejectedResult;
        assert.ok(refused.reason instanceof StorageConflict, String(refused.reason));
        assert.equal(await records().readCursor(matcher), to);
      }
      assert.deepEqual((await records().eventsAfter('b', 2, 10)).map((e) => `${e.eventNumber}:${e.focusId}`), ['3:race-first', '4:race-m']);
    });

    it('a round that keeps the lease gets the subscription back for the next while events are pending, and only then', async () => {
      await records().insertSubscription(subscription('kl', { topicUrl: 'http://t/lease-test', patientKey: 'p9', now: 105000 }));
      await records().recordEvents('mk', '', 'k1', [event('kl', 'one')], 105000);
      assert.ok((await records().claimDue(105200, 106200, 10)).some((s) => s.id === 'kl'));
      const outcome = { status: 'active' as const, error: null, failingSince: null, failures: 0, lastSentAt: 105300, nextAttemptAt: null,
        continueIfPending: true, claimedStatus: 'requested' as const, now: 105300, keepLeaseUntil: 109000 };
      // Event 1 delivered, nothing after it: the lease is released, nothing handed back.
      assert.equal(await records().finishDelivery('kl', { ...outcome, lastDelivered: 1, delivered: { at: 105300, after: 0 } }), undefined);
      assert.equal((await records().getSubscription('kl'))?.leasedUntil, null);
      // Event 2 makes it due; event 3 arrives while its round runs: pending after it, so the lease is kept and the record returned.
      await records().recordEvents('mk', 'k1', 'k2', [event('kl', 'two')], 105350);
      assert.ok((await records().claimDue(105400, 106400, 10)).some((s) => s.id === 'kl'));
      await records().recordEvents('mk', 'k2', 'k3', [event('kl', 'three')], 105450);
      const next = await records().finishDelivery('kl', { ...outcome, claimedStatus: 'active', lastDelivered: 2, delivered: { at: 105500, after: 1 }, now: 105500 });
      assert.equal(next?.id, 'kl');
      assert.equal(next?.leasedUntil, 109000, 'still this worker\'s');
      assert.equal(next?.eventsSinceStart, 3);
      assert.equal(next?.lastDelivered, 2);
      assert.equal((await records().claimDue(105600, 106600, 10)).some((s) => s.id === 'kl'), false, 'nobody else claims it meanwhile');
      // A worker that stops between rounds hands it back: due, claimable at once.
      await records().releaseLease('kl');
      assert.ok((await records().claimDue(105700, 106700, 10)).some((s) => s.id === 'kl'));
      const { keepLeaseUntil: _kept, ...released } = outcome;
      assert.equal(await records().finishDelivery('kl', { ...released, claimedStatus: 'active', lastDelivered: 3, delivered: { at: 105800, after: 2 }, now: 105800 }), undefined);
      assert.equal((await records().getSubscription('kl'))?.leasedUntil, null);
    });

    it('an update keeps the status as stored (a change made meanwhile by delivery or revocation stands) unless it turns off or restarts', async () => {
      await records().insertSubscription(subscription('up', { topicUrl: 'http://t/update', patientKey: 'p7', status: 'active', now: 107000 }));
      const change = { grantId: null, topicUrl: 'http://t/update', patientKey: 'p7', settings: '{}', now: 107100 };
      await records().turnOff('up', 'revoked meanwhile', 107050);
      assert.equal(await records().updateSubscription('up', change), true);
      assert.equal((await records().getSubscription('up'))?.status, 'off', 'not brought back by new settings');
      assert.equal((await records().getSubscription('up'))?.nextAttemptAt, null);
      await records().updateSubscription('up', { ...change, restart: true });
      assert.equal((await records().getSubscription('up'))?.status, 'requested');
      await records().updateSubscription('up', { ...change, now: 107200 });
      assert.equal((await records().getSubscription('up'))?.status, 'requested');
      assert.equal((await records().getSubscription('up'))?.nextAttemptAt, 107200, 'due: new settings take effect at once');
      await records().updateSubscription('up', { ...change, turnOff: true });
      assert.equal((await records().getSubscription('up'))?.status, 'off');
    });

    it('events with their focus versions in one read: the version as stored, null when it is not stored', async () => {
      await records().insertSubscription(subscription('wf', { topicUrl: 'http://t/focus', patientKey: 'p6', now: 108000 }));
      await write(store(), { resourceType: 'Condition', id: 'wf-1', subject: { reference: 'Patient/p6' } } as Resource & { id: string });
      await records().recordEvents('mf', '', 'f1', [event('wf', 'wf-1'), event('wf', 'never-stored')], 108000);
      const [stored, missing] = await records().eventsWithFocusAfter('wf', 0, 10);
      assert.equal(stored!.focusId, 'wf-1');
      assert.equal(JSON.parse(stored!.focus!.json!).subject.reference, 'Patient/p6');
      assert.equal(stored!.focus!.deleted, false);
      assert.ok(stored!.focus!.lastUpdated > 0);
      assert.equal(missing!.focus, null);
      assert.deepEqual((await records().eventsAfter('wf', 0, 10)).map((e) => e.focus), [undefined, undefined], 'eventsAfter reads no focus');
    });

    it('a round marks only its own events delivered: those it starts after stay as they were (skipped by a restart, say)', async () => {
      await records().insertSubscription(subscription('md', { topicUrl: 'http://t/marks', patientKey: 'p8', now: 106000 }));
      await records().recordEvents('mm', '', 'm1', ['a', 'b', 'c'].map((f) => event('md', f)), 106000);
      await records().finishDelivery('md', { status: 'active', error: null, failingSince: null, failures: 0, lastSentAt: 106100, nextAttemptAt: null,
        continueIfPending: false, claimedStatus: 'active', now: 106100, lastDelivered: 3, delivered: { at: 106100, after: 1 } });
      assert.deepEqual((await records().eventsBetween('md', 1, 3)).map((e) => e.deliveredAt), [null, 106100, 106100]);
    });

    it('a round that keeps the lease gets, on PostgreSQL, the next round\'s events with their focus from the same statement', async () => {
      await records().insertSubscription(subscription('nx', { topicUrl: 'http://t/upcoming', patientKey: 'pu', now: 112000 }));
      await write(store(), { resourceType: 'Condition', id: 'up-2', subject: { reference: 'Patient/pu' } } as Resource & { id: string });
      await records().recordEvents('mu', '', 'u1', [event('nx', 'up-1'), event('nx', 'up-2'), event('nx', 'up-3')], 112000);
      const [ours] = (await records().claimDue(112100, 200000, 100)).filter((s) => s.id === 'nx');
      assert.ok(ours);
      const outcome = { status: 'active' as const, error: null, failingSince: null, failures: 0, lastSentAt: 112200, nextAttemptAt: null,
        continueIfPending: true, claimedStatus: ours.status, now: 112200, keepLeaseUntil: 200100, lastDelivered: 1, delivered: { at: 112200, after: 0 } };
      const kept = await records().finishDelivery('nx', { ...outcome, upcoming: 1 });
      assert.equal(kept?.leasedUntil, 200100);
      if (engine === 'postgres') {
        assert.deepEqual(kept?.upcoming?.map((e) => e.focusId), ['up-2'], 'the next one, as many as asked');
        assert.equal(JSON.parse(kept!.upcoming![0]!.focus!.json!).subject.reference, 'Patient/pu');
      } else assert.equal(kept?.upcoming, undefined, 'SQLite reads in-process: none');
      const next = await records().finishDelivery('nx', { ...outcome, lastDelivered: 3, delivered: { at: 112300, after: 1 }, now: 112300, upcoming: 5 });
      assert.equal(next, undefined, 'nothing pending: released, nothing read');
    });

    it('the catalog: every subscription not off, as of a version that inserts, updates, restarts and deletes move — and the change log names', async () => {
      const versionOf = async () => (await records().catalog()).version;
      const changeLogVersion = async () => (await store().readChanges(null, 1)).catalogVersion;
      let version = await versionOf();
      assert.equal(await changeLogVersion(), version);
      const moved = async (what: string, write: () => Promise<unknown>) => {
        await write();
        const next = await versionOf();
        assert.ok(BigInt(next) > BigInt(version), `${what} moves the version`);
        assert.equal(await changeLogVersion(), next, `${what}: the change log reads the new version`);
        version = next;
      };
      const still = async (what: string, write: () => Promise<unknown>) => {
        await write();
        assert.equal(await versionOf(), version, `${what} leaves the version`);
      };
      await moved('insert', () => records().insertSubscription(subscription('cat-1', { topicUrl: 'http://t/catalog', patientKey: 'pk1', now: 111000 })));
      assert.ok((await records().catalog()).subscriptions.some((s) => s.id === 'cat-1' && s.patientKey === 'pk1'));
      await moved('update', () => records().updateSubscription('cat-1', { grantId: 'g1', topicUrl: 'http://t/catalog', patientKey: 'pk2', settings: '{}', now: 111100 }));
      assert.equal((await records().catalog()).subscriptions.find((s) => s.id === 'cat-1')?.patientKey, 'pk2', 'as updated');
      await still('a claim and a finished round', async () => {
        for (const s of (await records().claimDue(111200, 111300, 100)).filter((c) => c.id === 'cat-1')) {
          await records().finishDelivery(s.id, { status: 'active', error: null, failingSince: null, failures: 0, lastDelivered: 0, lastSentAt: 111200,
            nextAttemptAt: null, continueIfPending: false, claimedStatus: s.status, now: 111200 });
        }
      });
      await still('turning off', () => records().turnOff('cat-1', 'ended', 111300));
      assert.ok(!(await records().catalog()).subscriptions.some((s) => s.id === 'cat-1'), 'off: not in the catalog');
      await moved('restart', () => records().restartSubscription('cat-1', 111400));
      await moved('delete', () => records().deleteSubscription('cat-1'));
      assert.ok(!(await records().catalog()).subscriptions.some((s) => s.id === 'cat-1'));
    });

    it('a record that claims leases, in the same unit, exactly those of the offered subscriptions a claim would take', async () => {
      const at = 110000;
      const topic = { topicUrl: 'http://t/claims', now: at };
      // idle: active, due once woken; failing: active but backing off until later; off; held: leased by a
      // round still running; fresh: awaiting its handshake, due; unoffered: idle too, but not offered.
      for (const id of ['idle', 'failing', 'off', 'held', 'fresh', 'unoffered']) {
        await records().insertSubscription(subscription(`c-${id}`, { ...topic, patientKey: `pc-${id}`, status: id === 'off' ? 'off' : 'requested' }));
      }
      for (const s of (await records().claimDue(at, at + 500, 100)).filter((c) => ['c-idle', 'c-failing', 'c-held', 'c-unoffered'].includes(c.id))) {
        const failing = s.id === 'c-failing';
        await records().finishDelivery(s.id, { status: failing ? 'error' : 'active', error: null, failingSince: null, failures: failing ? 1 : 0,
          lastDelivered: 0, lastSentAt: null, nextAttemptAt: failing ? at + 90_000 : s.id === 'c-held' ? at + 15 : null, continueIfPending: false,
          claimedStatus: s.status, now: at + 10 });
      }
      assert.ok((await records().claimDue(at + 20, at + 60_000, 100)).some((s) => s.id === 'c-held'), 'held by a round');
      await records().releaseLease('c-fresh');
      const offered = ['c-idle', 'c-failing', 'c-off', 'c-held', 'c-fresh'];
      const claim = { ids: offered, leaseUntil: at + 70_000 };
      const { events, claimed } = await records().recordEventsClaiming('mc', '', 'x1',
        [...offered, 'c-unoffered'].map((id) => event(id, `f-${id}`)), at + 100, claim);
      assert.deepEqual(claimed.map((s) => s.id).sort(), ['c-fresh', 'c-idle']);
      const idle = claimed.find((s) => s.id === 'c-idle')!;
      assert.equal(idle.leasedUntil, at + 70_000);
      assert.equal(idle.eventsSinceStart, 1, 'the claimed record counts the events just recorded');
      assert.deepEqual(events.map((e) => e.subscriptionId).sort(), ['c-failing', 'c-fresh', 'c-held', 'c-idle', 'c-unoffered'],
        'every event is recorded, claimed or not — but none for a subscription that is off');
      assert.equal((await records().getSubscription('c-held'))?.leasedUntil, at + 60_000, 'a lease held stays its holder\'s');
      assert.equal((await records().getSubscription('c-unoffered'))?.leasedUntil, null, 'not offered: not leased');
      assert.equal((await records().getSubscription('c-unoffered'))?.nextAttemptAt, at + 100, 'but woken for the next claim');
      // Leased now: a claim finds them taken; the unoffered one is the claim's.
      const after = (await records().claimDue(at + 200, at + 80_000, 100)).map((s) => s.id);
      assert.ok(after.includes('c-unoffered'));
      for (const id of ['c-idle', 'c-fresh', 'c-held', 'c-failing', 'c-off']) assert.ok(!after.includes(id), id);
    });
  });
}
