import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { registerClient } from '../../src/auth/index.js';
import { FormBrowser } from './form-browser.js';
import type { TestServer } from './test-server.js';

/** oauth4webapi refuses http:// endpoints unless told; the test server is plain HTTP. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** One authorization request in flight: the URL to open and what the app keeps to finish it. */
export interface Attempt {
  url: URL;
  verifier: string;
  nonce: string;
  state: string;
}

/**
 * A SMART app driven through the real server with oauth4webapi (a library we did not write) and
 * the real sign-in and consent forms: discovery, RFC 7591 registration, the authorization
 * request, sign-in, patient pick, consent, code exchange.
 */
export class SmartFlow {
  /** The patient chosen when a practitioner meets the patient picker. */
  pickPatient: string | undefined;

  private constructor(
    readonly server: TestServer,
    readonly as: oauth.AuthorizationServer,
    readonly client: oauth.Client,
    readonly redirectUri: string,
  ) {}

  get origin(): string {
    return new URL(this.server.fhirBase).origin;
  }

  /** Discovers the server and registers a public app (token_endpoint_auth_method `none`). */
  static async register(server: TestServer, options: { name?: string; redirectUri?: string; launchUrl?: string } = {}): Promise<SmartFlow> {
    const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/callback';
    const issuer = new URL(server.fhirBase);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...INSECURE }));
    const registered = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, {
      client_name: options.name ?? 'Test app', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
      ...(options.launchUrl ? { initiate_login_uri: options.launchUrl } : {}),
    }, INSECURE));
    return new SmartFlow(server, as, { client_id: registered.client_id, id_token_signed_response_alg: 'RS256' } as oauth.Client, redirectUri);
  }

  /** Builds an authorization request (PKCE S256, state, nonce, aud); `change` may spoil it. */
  async attempt(scope: string, change: (url: URL) => void = () => undefined): Promise<Attempt> {
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const url = new URL(this.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: this.client.client_id, redirect_uri: this.redirectUri, response_type: 'code', scope, state, nonce, aud: this.server.fhirBase,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    change(url);
    return { url, verifier, nonce, state };
  }

  /**
   * Signs in and answers the consent page; returns where the browser was sent back to. Pass a
   * browser to keep its session (e.g. to visit the connected-apps page afterwards).
   */
  async consent(a: Attempt, user: [string, string], decide: (fields: URLSearchParams, browser: FormBrowser) => void = () => undefined,
    browser = new FormBrowser()): Promise<URL> {
    const origin = this.origin;
    const first = await browser.open(a.url.toString(), origin);
    if (first.left) return new URL(first.left);
    let page = first;
    if (first.html?.includes('action="/auth/sign-in"')) {
      const signIn = browser.formFields('/auth/sign-in');
      signIn.set('username', user[0]);
      signIn.set('password', user[1]);
      page = await browser.open(`${origin}/auth/sign-in`, origin, { method: 'POST', form: signIn });
    }
    if (page.html?.includes('action="/auth/consent/patient"')) {
      const pick = browser.formFields('/auth/consent/patient');
      pick.set('patient', this.pickPatient ?? '');
      page = await browser.open(`${origin}/auth/consent/patient`, origin, { method: 'POST', form: pick });
    }
    if (page.left) return new URL(page.left);
    const fields = browser.formFields('/auth/consent');
    fields.set('decision', 'allow');
    decide(fields, browser);
    const done = await browser.open(`${origin}/auth/consent`, origin, { method: 'POST', form: fields });
    assert.ok(done.left, `expected a redirect back to the app, got ${done.status}: ${browser.lastHtml.slice(0, 500)}`);
    return new URL(done.left);
  }

  /** Exchanges the code (validating state, and the id token when `openid` was asked). */
  async exchange(a: Attempt, back: URL): Promise<oauth.TokenEndpointResponse> {
    const params = oauth.validateAuthResponse(this.as, this.client, back, a.state);
    const response = await oauth.authorizationCodeGrantRequest(this.as, this.client, oauth.None(), params, this.redirectUri, a.verifier, INSECURE);
    const requireIdToken = a.url.searchParams.get('scope')!.split(' ').includes('openid');
    return oauth.processAuthorizationCodeResponse(this.as, this.client, response, requireIdToken ? { expectedNonce: a.nonce, requireIdToken } : {});
  }

  /** An EHR launch: the `launch` parameter the operator API minted rides on the authorization request. */
  async launchTokens(scope: string, launchUrl: string, user: [string, string]): Promise<oauth.TokenEndpointResponse> {
    const launch = new URL(launchUrl).searchParams.get('launch')!;
    const a = await this.attempt(scope, (url) => url.searchParams.set('launch', launch));
    return this.exchange(a, await this.consent(a, user));
  }

  /** The whole flow: a user's tokens for `scope`. */
  async tokens(scope: string, user: [string, string], browser?: FormBrowser): Promise<oauth.TokenEndpointResponse> {
    const a = await this.attempt(scope);
    return this.exchange(a, await this.consent(a, user, undefined, browser));
  }
}

/** A confidential client (HTTP Basic) as oauth4webapi sees it. */
export interface ConfidentialClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  secret: string;
}

/**
 * A confidential client registered straight into the records, as the operator's CLI does: the
 * only way to a resource server that may introspect every token (`mayIntrospect`).
 */
export async function registerConfidentialClient(server: TestServer, options: { name?: string; mayIntrospect?: boolean } = {}): Promise<ConfidentialClient> {
  const { record, secret } = await registerClient(server.server.services.store.auth, {
    client_name: options.name ?? 'Resource server', redirect_uris: ['http://127.0.0.1:9/rs'], token_endpoint_auth_method: 'client_secret_basic',
  }, { mode: 'sandbox', byOperator: true, registeredBy: 'cli', now: Date.now(), mayIntrospect: options.mayIntrospect ?? false });
  return { client: { client_id: record.clientId }, auth: oauth.ClientSecretBasic(secret!), secret: secret! };
}
