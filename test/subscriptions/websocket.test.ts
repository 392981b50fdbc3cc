import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { testEngines } from '../harness/engines.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { INSECURE, SmartFlow } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { condition, heartbeat, subscription } from './engine-harness.js';
import type { Parameter } from './receiver.js';
import { WsClient } from './ws-client.js';

const WEBSOCKET = { type: 'websocket', endpoint: undefined, header: undefined };
const BASE_SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Subscription.cruds patient/Condition.rs';

/**
 * Issue 4 (c), black-box through the real server on both engines: the Backport IG websocket
 * channel with a client we did not write (`ws`): `$get-ws-binding-token`, bind, a handshake per
 * bound subscription, events numbered as rest-hook numbers them, several subscriptions on one
 * socket, heartbeats, events that wait for a socket, re-bind after expiry, foreign subscriptions
 * refused, revocation closing the flow, bad messages answered.
 */
for (const engine of testEngines()) {
  describe(`websocket channel [${engine}]`, () => {
    let server: TestServer;
    let patientId = '';
    const clients: WsClient[] = [];
    const fhir = (path: string) => `${server.fhirBase}${path}`;
    const param = (body: { parameter: Parameter[] }, name: string) => body.parameter.filter((p) => p.name === name) as (Parameter & Record<string, string>)[];
    const create = async (filter = `Condition?patient=Patient/${patientId}`, channel: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      const created = await http('POST', fhir('/Subscription'), subscription('', filter, { ...WEBSOCKET, ...channel }), headers);
      assert.equal(created.status, 201, created.text);
      return created.body.id as string;
    };
    const bindingToken = async (path: string, headers: Record<string, string> = {}) => {
      const answer = await http('GET', fhir(path), undefined, headers);
      assert.equal(answer.status, 200, answer.text);
      return { token: param(answer.body, 'token')[0]!.valueString!, url: param(answer.body, 'websocket-url')[0]!.valueUrl!, body: answer.body };
    };
    const connect = async (url: string) => {
      const client = await new WsClient(url).open();
      clients.push(client);
      return client;
    };
    const addCondition = async () => {
      const written = await http('POST', fhir('/Condition'), condition('x', patientId, 'problem-list-item'));
      assert.equal(written.status, 201, written.text);
      return written.body.id as string;
    };

    before(async () => {
      server = await startTestServer(engine);
      patientId = (await http('POST', fhir('/Patient'), patientBody('Socket'))).body.id;
    });
    after(async () => {
      for (const client of clients) client.close();
      await server.close();
    });

    it('accepts channel.type websocket without an endpoint; the CapabilityStatement advertises the operation and the websocket URL', async () => {
      const id = await create();
      const read = await http('GET', fhir(`/Subscription/${id}`));
      assert.equal(read.body.channel.type, 'websocket');
      assert.equal(read.body.status, 'requested', 'no socket bound yet: no handshake yet');
      const metadata = await http('GET', fhir('/metadata'));
      const entry = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
      assert.ok(entry.operation.some((op: { name: string; definition: string }) => op.name === 'get-ws-binding-token'
        && op.definition === 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-get-ws-binding-token'));
      const advertised = metadata.body.rest[0].extension.find((e: { url: string }) => e.url === 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket');
      assert.equal(advertised.valueUri, `${server.fhirBase.replace(/^http/, 'ws')}/ws`);
    });

    it('$get-ws-binding-token answers token, expiration, subscription and websocket-url; refuses a rest-hook subscription', async () => {
      const id = await create();
      const { body, url } = await bindingToken(`/Subscription/${id}/$get-ws-binding-token`);
      assert.equal(url, `${server.fhirBase.replace(/^http/, 'ws')}/ws`);
      const expiration = Date.parse(param(body, 'expiration')[0]!.valueDateTime!);
      assert.ok(expiration > Date.now() && expiration <= Date.now() + 301_000, `short-lived: ${param(body, 'expiration')[0]!.valueDateTime}`);
      assert.deepEqual(param(body, 'subscription').map((p) => p.valueString), [`${server.fhirBase}/Subscription/${id}`]);
      const restHook = await http('POST', fhir('/Subscription'), subscription('http://127.0.0.1:9/hook', `Condition?patient=Patient/${patientId}`));
      const refused = await http('GET', fhir(`/Subscription/${restHook.body.id}/$get-ws-binding-token`));
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.text, /does not use the websocket channel/);
      const unknown = await http('GET', fhir('/Subscription/nope/$get-ws-binding-token'));
      assert.equal(unknown.status, 404, unknown.text);
    });

    it('binds two subscriptions on one socket: a handshake each, then events in number order, numbered as $events numbers them', async () => {
      const first = await create();
      const second = await create(`Condition?patient=Patient/${patientId}`, { _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'full-resource' }] } });
      // Type level with two ids (POST Parameters, as the OperationDefinition allows).
      const answer = await http('POST', fhir('/Subscription/$get-ws-binding-token'), { resourceType: 'Parameters', parameter: [{ name: 'id', valueId: first }, { name: 'id', valueId: second }] });
      assert.equal(answer.status, 200, answer.text);
      const client = await connect(param(answer.body, 'websocket-url')[0]!.valueUrl!);
      client.bind(param(answer.body, 'token')[0]!.valueString!);
      await client.until(() => client.of(first, 'handshake').length === 1 && client.of(second, 'handshake').length === 1, 'a handshake per subscription');
      // Active once the handshake was written to the socket (the round records it right after the write).
      let status = '';
      for (let i = 0; i < 100 && status !== 'active'; i++) {
        status = (await http('GET', fhir(`/Subscription/${first}`))).body.status;
        if (status !== 'active') await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 'active');
      for (let i = 0; i < 5; i++) await addCondition();
      await client.until(() => client.events(first).length === 5 && client.events(second).length === 5, 'five events each');
      assert.deepEqual(client.events(first), [1, 2, 3, 4, 5]);
      assert.deepEqual(client.events(second), [1, 2, 3, 4, 5]);
      const full = client.of(second, 'event-notification')[0]!.bundle;
      assert.ok(full.entry.some((e) => e.resource?.resourceType === 'Condition'), 'full-resource carries the Condition');
      const idOnly = client.of(first, 'event-notification')[0]!.bundle;
      assert.ok(!idOnly.entry.slice(1).some((e) => e.resource), 'id-only carries no resource');
      const events = await http('GET', fhir(`/Subscription/${first}/$events`));
      assert.equal(events.status, 200, events.text);
      assert.equal(events.body.entry[0].resource.parameter.filter((p: Parameter) => p.name === 'notification-event').length, 5);
    });

    it('events wait while no socket is bound (and show in $events), then follow the handshake when one binds', async () => {
      const id = await create();
      await addCondition();
      await addCondition();
      const waitingEvents = async () => (await http('GET', fhir(`/Subscription/${id}/$events`))).body.entry[0].resource.parameter
        .filter((p: Parameter) => p.name === 'notification-event').length as number;
      for (let i = 0; i < 100 && (await waitingEvents()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await waitingEvents(), 2, 'recorded while nobody listens');
      const status = await http('GET', fhir(`/Subscription/${id}`));
      assert.ok(status.body.status !== 'error', 'no socket is not a failure');
      const { token, url } = await bindingToken(`/Subscription/${id}/$get-ws-binding-token`);
      const client = await connect(url);
      client.bind(token);
      await client.until(() => client.events(id).length === 2, 'the waiting events');
      assert.equal(client.notifications.findIndex((n) => n.type === 'handshake'), 0, 'the handshake comes first');
      assert.deepEqual(client.events(id), [1, 2]);
    });

    it('sends heartbeats only when heartbeatPeriod is set', async () => {
      const beating = await create(`Condition?patient=Patient/${patientId}`, { extension: [heartbeat(1)] });
      const quiet = await create();
      const answer = await http('GET', fhir(`/Subscription/$get-ws-binding-token?id=${beating},${quiet}`));
      assert.equal(answer.status, 200, answer.text);
      const client = await connect(param(answer.body, 'websocket-url')[0]!.valueUrl!);
      client.bind(param(answer.body, 'token')[0]!.valueString!);
      await client.until(() => client.of(beating, 'heartbeat').length >= 2, 'two heartbeats', 8000);
      assert.equal(client.of(quiet, 'handshake').length, 1);
      assert.equal(client.of(quiet, 'heartbeat').length, 0, 'no heartbeat without heartbeatPeriod');
    });

    it('answers bad messages and bad tokens clearly, and keeps the socket open', async () => {
      const client = await connect(`${server.fhirBase.replace(/^http/, 'ws')}/ws`);
      client.send('hello');
      client.send('bind-with-token');
      client.send('bind-with-token not.a.token');
      client.send(JSON.stringify({ type: 'bind-with-token', payload: {} }));
      // An access token is not a binding token.
      client.bind(await server.tokens.get());
      await client.until(() => client.outcomes.length === 5, 'five answers');
      const said = client.diagnostics();
      assert.match(said[0]!, /Unknown message: send "bind-with-token <token>"/);
      assert.match(said[1]!, /needs a token/);
      assert.match(said[2]!, /Not a binding token of this server/);
      assert.match(said[3]!, /needs payload.token/);
      assert.match(said[4]!, /an access token is not accepted here/);
      assert.equal(client.closed, undefined);
    });

    it('accepts the other spellings of bind-with-token (colon, JSON)', async () => {
      const first = await create();
      const second = await create();
      const client = await connect((await bindingToken(`/Subscription/${first}/$get-ws-binding-token`)).url);
      client.send(`bind-with-token: ${(await bindingToken(`/Subscription/${first}/$get-ws-binding-token`)).token}`);
      client.send(JSON.stringify({ type: 'bind-with-token', payload: { token: (await bindingToken(`/Subscription/${second}/$get-ws-binding-token`)).token } }));
      await client.until(() => client.of(first, 'handshake').length === 1 && client.of(second, 'handshake').length === 1, 'both bound');
    });

    it('a subscription deleted, or turned off behind the engine\'s back (another process), tells its socket and closes it', async () => {
      const deleted = await create();
      const client = await connect((await bindingToken(`/Subscription/${deleted}/$get-ws-binding-token`)).url);
      client.bind((await bindingToken(`/Subscription/${deleted}/$get-ws-binding-token`)).token);
      await client.until(() => client.of(deleted, 'handshake').length === 1, 'the handshake');
      assert.ok([200, 204].includes((await http('DELETE', fhir(`/Subscription/${deleted}`))).status));
      await client.until(() => client.closed !== undefined, 'the socket to close');
      assert.match(client.diagnostics().join('\n'), new RegExp(`Subscription/${deleted} stopped: it was deleted`));
      const elsewhere = await create();
      const other = await connect((await bindingToken(`/Subscription/${elsewhere}/$get-ws-binding-token`)).url);
      other.bind((await bindingToken(`/Subscription/${elsewhere}/$get-ws-binding-token`)).token);
      await other.until(() => other.of(elsewhere, 'handshake').length === 1, 'the handshake');
      const records = server.server.services.store.subscriptions;
      const record = (await records.getSubscription(elsewhere))!;
      await records.updateSubscription(elsewhere, { grantId: record.grantId, topicUrl: record.topicUrl, patientKey: record.patientKey, settings: record.settings, turnOff: true, now: Date.now() });
      await other.until(() => other.closed !== undefined, 'the sweep to close the socket', 5000);
      assert.match(other.diagnostics().join('\n'), new RegExp(`Subscription/${elsewhere} stopped`));
    });

    describe('bound to the grant', () => {
      let flow: SmartFlow;
      const user: [string, string] = ['ws-pat', 'patient-pass1'];
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      before(async () => {
        await createUser(server.server.services.store.auth, { username: user[0], password: user[1], fhirUser: `Patient/${patientId}`, displayName: 'Pat' }, Date.now());
        flow = await SmartFlow.register(server);
      });

      it('refuses a binding token for another grant\'s subscription (404), at instance and type level', async () => {
        const theirs = await create();
        const { access_token: token } = await flow.tokens(BASE_SCOPE, user);
        assert.equal((await http('GET', fhir(`/Subscription/${theirs}/$get-ws-binding-token`), undefined, as(token))).status, 404);
        const typeLevel = await http('GET', fhir(`/Subscription/$get-ws-binding-token?id=${theirs}`), undefined, as(token));
        assert.equal(typeLevel.status, 404, typeLevel.text);
        const mine = await create(`Condition?patient=Patient/${patientId}`, {}, as(token));
        const all = await bindingToken('/Subscription/$get-ws-binding-token', as(token));
        assert.deepEqual(param(all.body, 'subscription').map((p) => p.valueString), [`${server.fhirBase}/Subscription/${mine}`], 'without id: all of its own websocket subscriptions, only those');
      });

      it('revoking the grant turns the subscription off: the socket is told and closed, nothing more is sent', async () => {
        const tokens = await flow.tokens(BASE_SCOPE, user);
        const id = await create(`Condition?patient=Patient/${patientId}`, {}, as(tokens.access_token));
        const { token, url } = await bindingToken(`/Subscription/${id}/$get-ws-binding-token`, as(tokens.access_token));
        const client = await connect(url);
        client.bind(token);
        await client.until(() => client.of(id, 'handshake').length === 1, 'the handshake');
        await oauth.processRevocationResponse(await oauth.revocationRequest(flow.as, flow.client, oauth.None(), tokens.refresh_token!, INSECURE));
        await addCondition();
        await client.until(() => client.closed !== undefined, 'the socket to close');
        assert.match(client.diagnostics().join('\n'), new RegExp(`Subscription/${id} stopped: turned off: .*revoked`, 'i'));
        assert.equal(client.closed!.code, 1008);
        assert.deepEqual(client.events(id), [], 'nothing was sent after the revocation');
        // The token of a dead grant binds nothing.
        const late = await connect(url);
        late.bind(token);
        await late.until(() => late.outcomes.length === 1, 'an answer');
        assert.match(late.diagnostics()[0]!, /grant has ended/);
      });
    });
  });

  describe(`websocket channel, binding token expiry [${engine}]`, () => {
    let server: TestServer;
    let client: WsClient | undefined;
    before(async () => {
      server = await startTestServer(engine, { wsTokenSeconds: '3' });
    });
    after(async () => {
      client?.close();
      await server.close();
    });

    it('after the token expires the socket is told, events wait, and a new token on the same socket resumes them after a new handshake', async () => {
      const fhir = (path: string) => `${server.fhirBase}${path}`;
      const patientId = (await http('POST', fhir('/Patient'), patientBody('Expiry'))).body.id as string;
      const id = (await http('POST', fhir('/Subscription'), subscription('', `Condition?patient=Patient/${patientId}`, WEBSOCKET))).body.id as string;
      const get = async () => {
        const answer = await http('GET', fhir(`/Subscription/${id}/$get-ws-binding-token`));
        const value = (name: string) => (answer.body.parameter as (Parameter & Record<string, string>)[]).find((p) => p.name === name)!;
        return { token: value('token').valueString!, url: value('websocket-url').valueUrl! };
      };
      const first = await get();
      client = await new WsClient(first.url).open();
      client.bind(first.token);
      await client.until(() => client!.of(id, 'handshake').length === 1, 'the handshake');
      await client.until(() => client!.outcomes.length === 1, 'the expiry notice', 5000);
      assert.match(client.diagnostics()[0]!, /expired.*bind-with-token/);
      await http('POST', fhir('/Condition'), condition('x', patientId, 'problem-list-item'));
      const recorded = async () => (await http('GET', fhir(`/Subscription/${id}/$events`))).body.entry[0].resource.parameter
        .some((p: Parameter) => p.name === 'notification-event');
      for (let i = 0; i < 200 && !(await recorded()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(client.events(id), [], 'nothing goes to an expired binding');
      client.bind(first.token);
      await client.until(() => client!.outcomes.length === 2, 'the refusal of the old token');
      assert.match(client.diagnostics()[1]!, /binding token has expired/);
      client.bind((await get()).token);
      await client.until(() => client!.events(id).length === 1, 'the waiting event');
      assert.equal(client.of(id, 'handshake').length, 2, 'a new handshake on re-bind');
      assert.deepEqual(client.events(id), [1]);
      assert.equal(client.closed, undefined, 'the same socket throughout');
    });
  });
}
