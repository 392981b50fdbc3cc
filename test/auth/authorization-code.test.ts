import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/auth/index.js';
import { FormBrowser } from '../harness/form-browser.js';
import { http, patientBody } from '../harness/fhir-http.js';
import { SmartFlow, INSECURE, type Attempt } from '../harness/smart-flow.js';
import { startTestServer, type TestServer } from '../harness/test-server.js';
import { testEngines } from '../harness/engines.js';

/**
 * Authorization code + PKCE, refresh and their negative cases, with oauth4webapi as the client
 * (a library we did not write) and the real sign-in and consent forms.
 */
for (const engine of testEngines()) {
  describe(`authorization code flow [${engine}]`, () => {
    const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
    let server: TestServer;
    let flow: SmartFlow;
    let as: oauth.AuthorizationServer;
    let publicClient: oauth.Client;
    let patientId: string;
    const redirectUri = 'http://127.0.0.1:9/callback';
    const options = INSECURE;

    before(async () => {
      server = await startTestServer(engine, {}, clock);
      const records = server.server.services.store.auth;
      patientId = (await http('POST', `${server.fhirBase}/Patient`, patientBody('Okoro'))).body.id;
      await createUser(records, { username: 'clin', password: 'clinician-pass', fhirUser: 'Practitioner/p1', displayName: 'Dr. Clin' }, Date.now());
      await createUser(records, { username: 'pat', password: 'patient-pass1', fhirUser: `Patient/${patientId}`, displayName: 'Pat Okoro' }, Date.now());
      flow = await SmartFlow.register(server, { redirectUri });
      flow.pickPatient = patientId;
      ({ as, client: publicClient } = flow);
    });
    after(() => server.close());

    const attempt = (scope: string, change?: (url: URL) => void) => flow.attempt(scope, change);
    const consent = (a: Attempt, user: [string, string], decide?: (fields: URLSearchParams, browser: FormBrowser) => void) => flow.consent(a, user, decide);
    const exchange = (a: Attempt, back: URL) => flow.exchange(a, back);

    it('a practitioner picks a patient; the token response carries the context, id token and refresh token', async () => {
      const a = await attempt('launch/patient openid fhirUser offline_access patient/Condition.rs patient/Patient.rs');
      const back = await consent(a, ['clin', 'clinician-pass']);
      const tokens = await exchange(a, back);
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.equal(tokens.patient, patientId);
      assert.equal(tokens.need_patient_banner, true);
      assert.match(String(tokens.smart_style_url), /^http/);
      assert.ok(tokens.refresh_token);
      assert.equal(tokens.scope, 'launch/patient openid fhirUser offline_access patient/Condition.rs patient/Patient.rs');
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      assert.equal(claims.fhirUser, `${server.fhirBase}/Practitioner/p1`);
      const style = await fetch(String(tokens.smart_style_url));
      assert.equal(style.status, 200);
      assert.ok((await style.json() as Record<string, unknown>).color_background);
    });

    it('a patient user gets their own record without a picker; unchecked scopes are not granted', async () => {
      const a = await attempt('launch/patient openid patient/Condition.rs patient/Observation.rs');
      const back = await consent(a, ['pat', 'patient-pass1'], (fields) => {
        const kept = fields.getAll('scope').filter((s) => s !== 'patient/Observation.rs');
        fields.delete('scope');
        for (const s of kept) fields.append('scope', s);
      });
      const tokens = await exchange(a, back);
      assert.equal(tokens.patient, patientId);
      assert.equal(tokens.scope, 'launch/patient openid patient/Condition.rs');
      assert.equal(tokens.refresh_token, undefined);
    });

    it('categories chosen on the consent page become granular scopes', async () => {
      const a = await attempt('launch/patient patient/Condition.rs');
      const back = await consent(a, ['pat', 'patient-pass1'], (fields, browser) => {
        fields.delete('scope');
        fields.append('scope', 'launch/patient');
        const problemList = browser.choices('scope').find((s) => s.endsWith('|problem-list-item'));
        assert.ok(problemList);
        fields.append('scope', problemList);
      });
      const tokens = await exchange(a, back);
      assert.equal(tokens.scope, 'launch/patient patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item');
    });

    it('deny sends access_denied back with the state', async () => {
      const a = await attempt('launch/patient patient/Condition.rs');
      const back = await consent(a, ['pat', 'patient-pass1'], (fields) => fields.set('decision', 'deny'));
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('state'), a.state);
    });

    it('a replayed code is refused and revokes everything issued from it', async () => {
      const a = await attempt('launch/patient offline_access patient/Patient.rs');
      const back = await consent(a, ['pat', 'patient-pass1']);
      const tokens = await exchange(a, back);
      const params = oauth.validateAuthResponse(as, publicClient, back, a.state);
      const replay = await oauth.authorizationCodeGrantRequest(as, publicClient, oauth.None(), params, redirectUri, a.verifier, options);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json() as { error: string }).error, 'invalid_grant');
      const refresh = await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), tokens.refresh_token!, options);
      assert.equal((await refresh.json() as { error: string }).error, 'invalid_grant');
    });

    it('refuses a wrong verifier, a missing verifier and an expired code', async () => {
      for (const verifier of ['x'.repeat(43), undefined]) {
        const a = await attempt('launch/patient patient/Patient.rs');
        const code = (await consent(a, ['pat', 'patient-pass1'])).searchParams.get('code')!;
        const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: publicClient.client_id });
        if (verifier) body.set('code_verifier', verifier);
        const response = await fetch(as.token_endpoint!, { method: 'POST', body });
        assert.equal(response.status, 400);
        assert.equal((await response.json() as { error: string }).error, 'invalid_grant');
      }
      const a = await attempt('launch/patient patient/Patient.rs');
      const back = await consent(a, ['pat', 'patient-pass1']);
      clock.offsetMs += 61_000;
      try {
        const params = oauth.validateAuthResponse(as, publicClient, back, a.state);
        const response = await oauth.authorizationCodeGrantRequest(as, publicClient, oauth.None(), params, redirectUri, a.verifier, options);
        assert.equal((await response.json() as { error: string }).error, 'invalid_grant');
      } finally {
        clock.offsetMs -= 61_000;
      }
    });

    it('refresh may narrow, never widen; a rotated public refresh token reused revokes the grant', async () => {
      const a = await attempt('launch/patient offline_access patient/Condition.rs patient/Patient.rs');
      const tokens = await exchange(a, await consent(a, ['pat', 'patient-pass1']));
      const widen = await fetch(as.token_endpoint!, { method: 'POST', body: new URLSearchParams({
        grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: publicClient.client_id, scope: 'patient/Observation.rs',
      }) });
      assert.equal(widen.status, 400);
      assert.equal((await widen.json() as { error: string }).error, 'invalid_scope');
      const narrowed = await oauth.processRefreshTokenResponse(as, publicClient, await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), tokens.refresh_token!, {
        ...options, additionalParameters: { scope: 'patient/Condition.rs' },
      }));
      assert.equal(narrowed.scope, 'patient/Condition.rs');
      assert.ok(narrowed.refresh_token && narrowed.refresh_token !== tokens.refresh_token, 'public clients get a new refresh token');
      const reuse = await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), tokens.refresh_token!, options);
      assert.equal((await reuse.json() as { error: string }).error, 'invalid_grant');
      const afterReuse = await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), narrowed.refresh_token!, options);
      assert.equal((await afterReuse.json() as { error: string }).error, 'invalid_grant', 'the whole grant is revoked');
    });

    it('errors before the redirect URI is verified stay on our page; later ones go back with state', async () => {
      const browser = new FormBrowser();
      const origin = new URL(server.fhirBase).origin;
      for (const change of [
        (u: URL) => u.searchParams.set('redirect_uri', 'https://evil.example/cb'),
        (u: URL) => u.searchParams.set('client_id', 'nobody'),
      ]) {
        const page = await browser.open((await attempt('patient/Patient.rs', change)).url.toString(), origin);
        assert.equal(page.left, undefined, 'never redirected');
        assert.equal(page.status, 400);
      }
      const cases: [string, (u: URL) => void, string][] = [
        ['wrong aud', (u) => u.searchParams.set('aud', 'https://other.example/fhir'), 'invalid_request'],
        ['missing aud', (u) => u.searchParams.delete('aud'), 'invalid_request'],
        ['plain PKCE', (u) => u.searchParams.set('code_challenge_method', 'plain'), 'invalid_request'],
        ['no PKCE', (u) => { u.searchParams.delete('code_challenge'); u.searchParams.delete('code_challenge_method'); }, 'invalid_request'],
        ['token response type', (u) => u.searchParams.set('response_type', 'token'), 'unsupported_response_type'],
        ['bad scope', (u) => u.searchParams.set('scope', 'patient/Observation.sr'), 'invalid_scope'],
        ['repeated parameter', (u) => u.searchParams.append('scope', 'openid'), 'invalid_request'],
        ['unknown launch', (u) => u.searchParams.set('launch', 'nope'), 'invalid_request'],
      ];
      for (const [name, change, error] of cases) {
        const a = await attempt('patient/Patient.rs', change);
        const result = await browser.open(a.url.toString(), origin);
        assert.ok(result.left, `${name}: redirected back`);
        const back = new URL(result.left);
        assert.equal(back.searchParams.get('error'), error, name);
        assert.equal(back.searchParams.get('state'), a.state, name);
      }
    });

    it('a wrong password shows the form again with an error; CSRF is required', async () => {
      const browser = new FormBrowser();
      const origin = new URL(server.fhirBase).origin;
      await browser.open((await attempt('patient/Patient.rs')).url.toString(), origin);
      const fields = browser.formFields('/auth/sign-in');
      fields.set('username', 'pat');
      fields.set('password', 'wrong-password');
      const wrong = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: fields });
      assert.equal(wrong.status, 401);
      assert.match(wrong.html!, /wrong/);
      fields.set('password', 'patient-pass1');
      fields.set('csrf', 'forged');
      const forged = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: fields });
      assert.equal(forged.status, 403);
      fields.set('csrf', browser.formFields('/auth/sign-in', wrong.html).get('csrf')!);
      fields.set('username', 'clin');
      fields.set('password', 'not-the-password');
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: fields })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429], 'the sixth failure in a row is refused');
    });
  });
}
