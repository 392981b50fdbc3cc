import { readFileSync } from 'node:fs';
import { Argument, Option, type Command } from 'commander';
import { registerClient, registrationResponse, type ClientMetadata } from '../auth/index.js';
import { createServices } from '../http/index.js';
import { addConfigOptions, configFromFlags } from './config-options.js';

/**
 * `handover client add …`: the operator registers an app. Unlike open registration it may grant
 * `system/` scopes in production mode (the operator pre-authorizes backend services), and it can
 * mark a resource server allowed to introspect any token.
 */
export function addClientCommand(program: Command): void {
  const client = program.command('client').description('manage registered SMART apps and backend services');
  const add = client.command('add').description('register an app; prints its client_id (and client_secret, shown once)')
    .requiredOption('--name <name>', 'the app\'s name, shown on the consent page')
    .addOption(new Option('--type <type>', 'public (browser/native app), confidential (client secret), backend (private_key_jwt, client_credentials)')
      .choices(['public', 'confidential', 'asymmetric', 'backend']).default('public'))
    .option('--redirect-uri <uri...>', 'exact redirect URIs (authorization code apps)')
    .option('--launch-uri <uri>', 'where an EHR launch sends the browser (iss and launch appended)')
    .option('--scope <scope>', 'the most this client may be granted (space-separated)')
    .option('--jwks-uri <url>', 'JWKS URL (asymmetric and backend clients)')
    .option('--jwks-file <file>', 'a JWK set file with the public keys (asymmetric and backend clients)')
    .option('--introspect', 'a resource server allowed to introspect any token')
    .addOption(new Option('--review <policy>', 'required: a clinician reviews what this recipient receives before it is sent (ADR 0014)')
      .choices(['required', 'none']).default('none'));
  addConfigOptions(add, ['db', 'mode', 'sqliteSynchronous', 'logLevel']).action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags({ ...flags, logLevel: flags.logLevel ?? 'warn' });
    const services = createServices(config);
    try {
      await services.store.migrate();
      const type = String(flags.type);
      const metadata: ClientMetadata = {
        client_name: flags.name,
        redirect_uris: flags.redirectUri,
        initiate_login_uri: flags.launchUri,
        scope: flags.scope,
        jwks_uri: flags.jwksUri,
        jwks: typeof flags.jwksFile === 'string' ? JSON.parse(readFileSync(flags.jwksFile, 'utf8')) : undefined,
        token_endpoint_auth_method: type === 'public' ? 'none' : type === 'confidential' ? 'client_secret_basic' : 'private_key_jwt',
        grant_types: type === 'backend' ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
        handover_review: flags.review,
      };
      const registered = await registerClient(services.store.auth, metadata, {
        mode: config.mode, byOperator: true, registeredBy: 'cli', now: Date.now(), mayIntrospect: flags.introspect === true,
      });
      process.stdout.write(`${JSON.stringify(registrationResponse(registered), null, 2)}\n`);
    } catch (error) {
      process.stderr.write(`handover client add: ${(error as Error).message}\n`);
      process.exitCode = 2;
    } finally {
      await services.store.close();
    }
  });

  // Issue 5 c: the site's review policy for an app already registered. Takes effect at the app's next request and delivery round.
  const review = client.command('review').description('set whether a clinician reviews what a recipient receives before it is sent')
    .argument('<client_id>', 'the registered app')
    .addArgument(new Argument('<policy>', 'required: hold notifications (and reads of what they point to) for review; none: send as usual').choices(['required', 'none']));
  addConfigOptions(review, ['db', 'mode', 'sqliteSynchronous', 'logLevel']).action(async (clientId: string, policy: 'required' | 'none', flags: Record<string, unknown>) => {
    const config = configFromFlags({ ...flags, logLevel: flags.logLevel ?? 'warn' });
    const services = createServices(config);
    try {
      await services.store.migrate();
      if (!(await services.store.auth.setClientReview(clientId, policy))) {
        process.stderr.write(`handover client review: no client ${clientId}\n`);
        process.exitCode = 2;
        return;
      }
      // What waits for review is judged again by the serving process at its next poll.
      await services.subscriptions.reviewPolicyChanged(clientId);
      process.stdout.write(`${JSON.stringify({ client_id: clientId, handover_review: policy })}\n`);
    } finally {
      await services.store.close();
    }
  });
}
