import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

const OPERATOR = 'operator-secret-for-tests-0123';

/** EHR launch: the operator API and the sandbox chart mint launches; the app's token carries the context. */
for (const engine of testEngines()) {
  describe(`EHR launch [${engine}]`, () => {
    let server: TestServer;
    let origin: string;
    let clientId: string;
    let otherClientId: string;
    let patientId: string;
    let encounterId: string;
    const redirectUri = 'http://127.0.0.1:9/app/callback';
    const launchUri = 'http://127.0.0.1:9/app/launch';

    before(async () => {
      server = await startTestServer(engine, { operatorToken: OPERATOR });
      origin = new URL(server.fhirBase).origin;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Launch'))).body.id;
      encounterId = (await http('POST', `${server.fhirBase}/Encounter`, {
        resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${patientId}` },
      })).body.id;
      await createUser(server.server.services.store.auth, { username: 'doc', password: 'doctor-password', fhirUser: 'Practitioner/d1', displayName: 'Dr. Doc' }, Date.now());
      await createUser(server.server.services.store.auth, { username: 'doc2', password: 'doctor-password', fhirUser: 'Practitioner/d2', displayName: 'Dr. Two' }, Date.now());
      const register = async (name: string) => (await http('POST', `${origin}/auth/register`, {
        client_name: name, redirect_uris: [redirectUri], initiate_login_uri: launchUri, token_endpoint_auth_method: 'none',
      }, { 'content-type': 'application/json' })).body.client_id as string;
      clientId = await register('Launchable app');
      otherClientId = await register('Other app');
    });
    after(() => server.close());

    const mint = (body: unknown, token = OPERATOR) =>
      http('POST', `${origin}/auth/launches`, body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });

    /** Runs the app's side from its launch URL: authorize with `launch`, sign in, allow, exchange. */
    const runApp = async (launchUrl: string, user = 'doc') => {
      const url = new URL(launchUrl);
      assert.equal(url.searchParams.get('iss'), server.fhirBase);
      const verifier = oauth.generateRandomCodeVerifier();
      const authorize = new URL(`${origin}/auth/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'launch openid fhirUser patient/*.rs', state: 's1',
        aud: url.searchParams.get('iss')!, launch: url.searchParams.get('launch')!, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      }).toString();
      const browser = new FormBrowser();
      const first = await browser.open(authorize.toString(), origin);
      if (first.left) return { back: new URL(first.left) };
      const signIn = browser.formFields('/auth/sign-in');
      signIn.set('username', user);
      signIn.set('password', 'doctor-password');
      const consent = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: signIn });
      if (consent.status !== 200) return { status: consent.status, html: consent.html };
      const fields = browser.formFields('/auth/consent');
      fields.set('decision', 'allow');
      const done = await browser.open(`${origin}/auth/consent`, origin, { method: 'POST', form: fields });
      const back = new URL(done.left!);
      const token = await fetch(`${origin}/auth/token`, { method: 'POST', body: new URLSearchParams({
        grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier,
      }) });
      return { back, tokens: await token.json() as Record<string, unknown> };
    };

    it('the operator API mints a launch; the token response carries patient, encounter and fhirContext', async () => {
      const minted = await mint({ client_id: clientId, user: 'doc', patient: patientId, encounter: encounterId });
      assert.equal(minted.status, 201);
      const { tokens } = await runApp(minted.body.launch_url);
      assert.equal(tokens?.patient, patientId);
      assert.equal(tokens?.encounter, encounterId);
      assert.deepEqual(tokens?.fhirContext, [{ reference: `Encounter/${encounterId}` }]);
      assert.equal(tokens?.scope, 'launch openid fhirUser patient/*.rs');
    });

    it('a launch is single use, bound to its app and its user', async () => {
      const minted = await mint({ client_id: clientId, user: 'doc', patient: patientId });
      await runApp(minted.body.launch_url);
      const again = await runApp(minted.body.launch_url);
      assert.equal(again.back?.searchParams.get('error'), 'invalid_request');
      const forOther = await mint({ client_id: otherClientId, user: 'doc', patient: patientId });
      const stolen = await runApp(forOther.body.launch_url);
      assert.equal(stolen.back?.searchParams.get('error'), 'invalid_request', 'minted for another app');
      const forDoc = await mint({ client_id: clientId, user: 'doc', patient: patientId });
      const otherUser = await runApp(forDoc.body.launch_url, 'doc2');
      assert.equal(otherUser.status, 403, 'launched for another user');
    });

    it('the operator API refuses without the operator token and checks its input', async () => {
      assert.equal((await mint({ client_id: clientId, user: 'doc' }, 'wrong-token-wrong-token')).status, 401);
      assert.equal((await mint({ client_id: clientId, user: 'nobody' })).body.error, 'invalid_request');
      assert.equal((await mint({ client_id: clientId, user: 'doc', patient: 'missing' })).body.error, 'invalid_request');
      assert.equal((await mint({ client_id: clientId, user: 'doc', patient: 12 })).body.error, 'invalid_request');
    });

    it('the sandbox chart shows the patient and launches the app with iss and launch', async () => {
      const browser = new FormBrowser();
      const page = await browser.open(`${origin}/ehr/patients/${patientId}`, origin);
      const signIn = browser.formFields('/auth/sign-in', page.html);
      signIn.set('username', 'doc');
      signIn.set('password', 'doctor-password');
      const chart = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: signIn });
      assert.equal(chart.status, 200);
      assert.match(chart.html!, /Launch Launchable app/);
      const fields = browser.formFields(`/ehr/patients/${patientId}/launch`);
      const launched = await browser.open(`${origin}/ehr/patients/${patientId}/launch`, origin, { method: 'POST', form: fields });
      assert.ok(launched.left?.startsWith(launchUri), `went to the app: ${launched.left}`);
      const { tokens } = await runApp(launched.left!);
      assert.equal(tokens?.patient, patientId);
    });
  });
}
