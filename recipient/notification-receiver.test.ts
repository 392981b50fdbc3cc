import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { fixture } from './fixtures.test-helper.js';
import { eventStream, notificationHandler, NotificationReceiver, type AcceptedNotification, type SubscriptionBinding, type TrackerState } from './index.js';

const SECRET = 'X-Subscription-Secret: s3cret-value';
const SUBSCRIPTION = 'https://fhirserver.org/fhir/Subscription/123';

/** An id-only notification (built from the IG example) carrying the given event numbers. */
function notification(numbers: number[], type = 'event-notification', since = Math.max(0, ...numbers)) {
  const bundle = fixture('id_only_notification');
  const params = bundle.entry[0].resource.parameter;
  const template = params[5];
  params.splice(5, 1, ...numbers.map((n) => ({ ...template, part: [{ name: 'event-number', valueString: String(n) }, ...template.part.slice(1)] })));
  params[3].valueCode = type;
  params[4].valueString = String(since);
  return bundle;
}

describe('NotificationReceiver behind the node:http handler', () => {
  /** The "FHIR server" side: answers $events from its numbered events (1..`retained`), with the token we expect. */
  let fhir: Server;
  let fhirBase = '';
  let pruned = new Set<number>();
  const eventsCalls: string[] = [];
  /** The recipient side. */
  let endpoint: Server;
  let url = '';
  const states = new Map<string, TrackerState>();
  const accepted: AcceptedNotification[] = [];
  let failAccept = false;
  let binding: SubscriptionBinding;
  let receiver: NotificationReceiver;

  before(async () => {
    fhir = createServer((req, res) => {
      eventsCalls.push(`${req.headers.authorization} ${req.url}`);
      if (req.headers.authorization !== 'Bearer fresh-token') return res.writeHead(401).end();
      const query = new URL(req.url!, 'http://x').searchParams;
      const numbers: number[] = [];
      for (let n = Number(query.get('eventsSinceNumber')); n <= Number(query.get('eventsUntilNumber')); n++) if (!pruned.has(n)) numbers.push(n);
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(notification(numbers, 'query-event', 9)));
    });
    await new Promise<void>((resolve) => fhir.listen(0, '127.0.0.1', resolve));
    fhirBase = `http://127.0.0.1:${(fhir.address() as AddressInfo).port}/fhir`;
    binding = { header: SECRET, fhirBase, subscriptionId: '123', accessToken: async () => 'fresh-token' };

    receiver = new NotificationReceiver({
      lookup: async (key) => (key === 'sub-a' ? binding : undefined),
      loadState: async (key) => states.get(key),
      accept: async (a) => {
        if (failAccept) throw new Error('disk full');
        states.set(a.key, a.state);
        accepted.push(a);
      },
    });
    endpoint = createServer(notificationHandler(receiver, { keyOf: (req) => /^\/notifications\/([\w-]+)$/.exec(req.url ?? '')?.[1], maxBytes: 64 * 1024 }));
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/notifications/sub-a`;
  });
  after(async () => {
    fhir.closeAllConnections();
    endpoint.closeAllConnections();
    await Promise.all([new Promise((r) => fhir.close(r)), new Promise((r) => endpoint.close(r))]);
  });

  const post = (body: unknown, headers: Record<string, string> = { 'x-subscription-secret': 's3cret-value' }, to = url) =>
    fetch(to, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const last = () => accepted.at(-1)!;

  it('refuses a wrong or missing secret (401), an unknown endpoint (404), bad JSON or a non-notification (400), GET (405), too large (413)', async () => {
    assert.equal((await post(fixture('handshake'), { 'x-subscription-secret': 's3cret-valuf' })).status, 401);
    assert.equal((await post(fixture('handshake'), {})).status, 401);
    assert.equal((await post(fixture('handshake'), undefined, url.replace('sub-a', 'sub-b'))).status, 404);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post({ resourceType: 'Bundle', type: 'history', entry: [] })).status, 400);
    assert.equal((await fetch(url)).status, 405);
    assert.equal((await post({ padding: 'x'.repeat(70 * 1024) })).status, 413);
    const other = fixture('handshake');
    other.entry[0].resource.parameter[0].valueReference.reference = 'https://fhirserver.org/fhir/Subscription/999';
    assert.equal((await post(other)).status, 400, 'another subscription\'s notification at this endpoint');
    assert.equal(accepted.length, 0);
  });

  it('handshake, then events in order; a redelivery is reported as duplicate and not handed over again', async () => {
    assert.equal((await post(fixture('handshake'))).status, 200);
    assert.equal(last().notification.type, 'handshake');
    assert.equal((await post(notification([1, 2]))).status, 200);
    assert.deepEqual(last().events.map((e) => [e.eventNumber, e.recovered, e.focus?.resourceType]), [[1, false, 'Encounter'], [2, false, 'Encounter']]);
    assert.equal((await post(notification([2]))).status, 200);
    assert.deepEqual(last().events, []);
    assert.deepEqual(last().report.duplicates, [2]);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 2, seen: [] });
  });

  it('a gap is filled from $events with a fresh token, and everything is handed over in number order', async () => {
    assert.equal((await post(notification([5]))).status, 200);
    assert.deepEqual(last().report.gaps, [3, 4]);
    assert.deepEqual(last().events.map((e) => [e.eventNumber, e.recovered]), [[3, true], [4, true], [5, false]]);
    assert.match(eventsCalls.at(-1)!, /^Bearer fresh-token \/fhir\/Subscription\/123\/\$events\?eventsSinceNumber=3&eventsUntilNumber=4$/);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 5, seen: [] });
  });

  it('a heartbeat with a higher counter reveals missed events; a pruned one is reported lost', async () => {
    pruned = new Set([6]);
    assert.equal((await post(notification([], 'heartbeat', 7))).status, 200);
    assert.deepEqual(last().events.map((e) => e.eventNumber), [7]);
    assert.deepEqual(last().report.lost, [6]);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 7, seen: [] });
  });

  it('without a working token the gap stays pending and is recovered by the next notification', async () => {
    binding.accessToken = async () => 'stale-token';
    assert.equal((await post(notification([9]))).status, 200);
    assert.deepEqual(last().report.pending, [8]);
    assert.match(last().report.recoveryError!, /HTTP 401/);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 7, seen: [9] });
    binding.accessToken = async () => 'fresh-token';
    assert.equal((await post(notification([], 'heartbeat', 9))).status, 200);
    assert.deepEqual(last().events.map((e) => [e.eventNumber, e.recovered]), [[8, true]]);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 9, seen: [] });
  });

  it('answers 500 (so the server retries) when the application could not store the events, and accepts the retry', async () => {
    failAccept = true;
    assert.equal((await post(notification([10]))).status, 500);
    failAccept = false;
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 9, seen: [] });
    assert.equal((await post(notification([10]))).status, 200);
    assert.deepEqual(last().events.map((e) => e.eventNumber), [10]);
  });

  it('checks a detached JWS against the server\'s keys when configured, and refuses an unsigned one when required', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
    binding.signature = { header: 'X-Signature', keys, required: true };
    const body = JSON.stringify(notification([11]));
    const sign = async (payload: string) => {
      const [h, , s] = (await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey)).split('.');
      return `${h}..${s}`;
    };
    const secret = { 'x-subscription-secret': 's3cret-value' };
    assert.equal((await post(body, secret)).status, 401, 'unsigned');
    assert.equal((await post(body, { ...secret, 'x-signature': await sign(`${body} `) })).status, 401, 'signed another body');
    assert.equal((await post(body, { ...secret, 'x-signature': await sign(body) })).status, 200);
    assert.deepEqual(last().events.map((e) => e.eventNumber), [11]);
    delete binding.signature;
  });

  it('out-of-order arrival: the later notification first, then the earlier one fills the hole; nothing lost, nothing twice', async () => {
    const token = binding.accessToken;
    delete binding.accessToken;
    try {
      assert.equal((await post(notification([13]))).status, 200);
      assert.deepEqual(last().events.map((e) => e.eventNumber), [13]);
      assert.deepEqual(last().report.pending, [12]);
      assert.deepEqual(states.get('sub-a'), { lastContiguous: 11, seen: [13] });
      assert.equal((await post(notification([12], 'event-notification', 13))).status, 200);
      assert.deepEqual(last().events.map((e) => [e.eventNumber, e.recovered]), [[12, false]]);
      assert.deepEqual(last().report, { duplicates: [], gaps: [], lost: [], pending: [] });
      assert.deepEqual(states.get('sub-a'), { lastContiguous: 13, seen: [] });
      assert.equal((await post(notification([13]))).status, 200);
      assert.deepEqual([last().events, last().report.duplicates], [[], [13]]);
    } finally {
      binding.accessToken = token!;
    }
  });

  it('several notifications of one subscription at once are taken one at a time, in any order, without a double', async () => {
    const statuses = await Promise.all([post(notification([16])), post(notification([14, 15])), post(notification([15, 16]))]);
    assert.deepEqual(statuses.map((r) => r.status), [200, 200, 200]);
    const handed = accepted.slice(-3).flatMap((a) => a.events.map((e) => e.eventNumber)).sort((a, b) => a - b);
    assert.deepEqual(handed, [14, 15, 16]);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 16, seen: [] });
  });

  it('a withheld event (empty content) is handed over numbered like any other, marked withheld, with no focus', async () => {
    const empty = fixture('empty_notification');
    const params = empty.entry[0].resource.parameter;
    params.find((p: any) => p.name === 'events-since-subscription-start').valueString = '17';
    params.find((p: any) => p.name === 'notification-event').part.find((p: any) => p.name === 'event-number').valueString = '17';
    assert.equal((await post(empty)).status, 200);
    assert.deepEqual(last().events.map((e) => [e.eventNumber, e.withheld, e.focus, e.resource]), [[17, true, undefined, undefined]]);
  });

  it('catchUp: a status the recipient asked for ($status) past what it accepted fetches the missing events with $events', async () => {
    const status = { ...last().notification, type: 'query-status' as const, events: [], eventsSinceSubscriptionStart: 19 };
    const caught = await receiver.catchUp('sub-a', status);
    assert.deepEqual(caught?.events.map((e) => [e.eventNumber, e.recovered]), [[18, true], [19, true]]);
    assert.match(eventsCalls.at(-1)!, /eventsSinceNumber=18&eventsUntilNumber=19$/);
    assert.deepEqual(states.get('sub-a'), { lastContiguous: 19, seen: [] });
    assert.equal(await receiver.catchUp('sub-a', status), undefined, 'nothing to catch up: accept is not called');
    assert.equal(await receiver.catchUp('sub-unknown', status), undefined);
  });
});

describe('eventStream', () => {
  it('hands events over in order; accept resolves only once the loop came back for more', async () => {
    const stream = eventStream();
    const base = { key: 'k', notification: {} as never, state: { lastContiguous: 2, seen: [] }, report: { duplicates: [], gaps: [], lost: [], pending: [] } };
    const event = (n: number) => ({ eventNumber: n, subscription: SUBSCRIPTION } as never);
    let acknowledged = false;
    const accepting = stream.accept({ ...base, events: [event(1), event(2)] }).then(() => { acknowledged = true; });
    const seen: number[] = [];
    for await (const e of stream) {
      seen.push(e.eventNumber);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(acknowledged, false, 'not acknowledged while the loop body runs');
      if (seen.length === 2) {
        setTimeout(() => stream.close(), 20);
      }
    }
    await accepting;
    assert.equal(acknowledged, true);
    assert.deepEqual(seen, [1, 2]);
  });
});
