import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InsufficientScope, OPEN_ACCESS, Unauthenticated, type AccessContext } from '../../access/index.js';
import { invalid, issue, OperationOutcomeError, outcomeOf, tooLong, type Resource } from '../../model/index.js';
import { StorageError } from '../../storage/index.js';
import { bearerChallengeOf, outcomeOfError } from '../outcome-of-error.js';
import { dispatch } from '../dispatch.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { bodyKindOf, checkAcceptable } from './negotiate-format.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The FHIR REST surface as a Fastify plugin (mounted at /fhir). It owns its body parsing, its
 * error and not-found handlers — every answer here is FHIR JSON, errors an OperationOutcome.
 * It is a strict resource server: every request but `GET /metadata` is authenticated first
 * (`ctx.authenticate`: 401 with `WWW-Authenticate: Bearer`), then judged by `access` per
 * interaction (dispatch.ts, access-guard.ts).
 */
export async function fhirPlugin(app: FastifyInstance, options: { ctx: FhirContext }): Promise<void> {
  const { ctx } = options;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseBody(request.headers['content-type'], body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Authentication comes first, before the body is even parsed: a request without a valid token
  // learns nothing else (not even that its body is malformed).
  const accessByRequest = new WeakMap<FastifyRequest, AccessContext>();
  app.addHook('onRequest', async (request) => {
    accessByRequest.set(request, await accessOf(ctx, request, pathOf(new URL(request.url, 'http://x'))));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://x');
    const path = pathOf(url);
    const access = accessByRequest.get(request);
    if (access === undefined) throw new Unauthenticated('This request needs a bearer token');
    const query = [...url.searchParams].filter(([name]) => name !== '_format' && name !== '_pretty');
    checkAcceptable(request.headers.accept, url.searchParams.get('_format') ?? undefined);
    const fhirRequest: FhirRequest = {
      method: request.method as FhirRequest['method'],
      path,
      query,
      headers: request.headers as Record<string, string | undefined>,
      body: request.body,
      access,
    };
    const response = await dispatch(ctx, fhirRequest);
    await recordDisclosure(ctx, fhirRequest, response);
    // Committed by now: change-log readers (the subscription matcher) look at once, not at their next poll.
    if (request.method !== 'GET' && request.method !== 'HEAD') ctx.extensions.afterCommit();
    return send(reply, response, String(request.headers.prefer ?? ''), url.searchParams.get('_pretty') === 'true');
  };
  app.route({ method: [...METHODS], url: '/', handler });
  app.route({ method: [...METHODS], url: '/*', handler });

  app.setNotFoundHandler((request, reply) => {
    sendOutcome(reply, 404, outcomeOf([issue('not-found', `No FHIR interaction at ${request.method} ${request.url.split('?')[0]}`)]));
  });
  app.setErrorHandler((error, request, reply) => {
    const mapped = toOutcomeError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'FHIR request failed');
    const challenge = bearerChallengeOf(error, mapped);
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    sendOutcome(reply, mapped.status, mapped.outcome);
  });
}

/**
 * Who is calling. The CapabilityStatement stays public (SMART App Launch 2.2 §"Discovery": apps
 * read it before they have a token); everything else needs one unless the server is open.
 */
async function accessOf(ctx: FhirContext, request: FastifyRequest, path: string[]): Promise<AccessContext> {
  const isMetadata = path.length === 1 && path[0] === 'metadata' && (request.method === 'GET' || request.method === 'HEAD');
  if (isMetadata) return OPEN_ACCESS;
  return ctx.authenticate(request.headers.authorization);
}

/**
 * Issue 5: a response that carries resources to a caller with a token is a disclosure to an
 * outside party, recorded durably (`disclosed`) before it leaves. Writes are not: what they echo
 * is what the caller sent.
 */
async function recordDisclosure(ctx: FhirContext, request: FhirRequest, response: FhirResponse): Promise<void> {
  const disclosed = ctx.extensions.disclosed;
  if (!disclosed || request.access.open || response.status >= 300 || response.body === undefined) return;
  const last = request.path[request.path.length - 1] ?? '';
  const reads = request.method === 'GET' || (request.method === 'POST' && (request.path.length === 0 || last === '_search' || last.startsWith('$')));
  if (!reads) return;
  await disclosed(request.access, request, response.disclosed
    ? { references: response.disclosed }
    : { body: typeof response.body === 'string' ? JSON.parse(response.body) as Resource : response.body });
}

function pathOf(url: URL): string[] {
  return url.pathname.replace(/^\/fhir\/?/, '').split('/').filter((s) => s.length > 0).map(safeDecode);
}

function parseBody(contentType: string | undefined, text: string): unknown {
  const kind = bodyKindOf(contentType);
  if (kind === 'form') return text;
  if (text.trim() === '') return undefined;
  try {
    // RFC 8259 §8.1: a parser MAY ignore a byte order mark; some published examples carry one.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw invalid(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** R4 §3.1.0.1.9 `Prefer: return=minimal | representation | OperationOutcome`. */
function send(reply: FastifyReply, response: FhirResponse, prefer: string | undefined, pretty: boolean): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
  const wantsReturn = /return\s*=\s*(minimal|representation|OperationOutcome)/i.exec(prefer ?? '')?.[1]?.toLowerCase();
  const isWrite = response.status === 201 || (response.location !== undefined && response.status === 200);
  if (isWrite && wantsReturn === 'minimal') return reply.send();
  if (isWrite && wantsReturn === 'operationoutcome') {
    return reply.type(FHIR_JSON).send(JSON.stringify(outcomeOf([issue('informational', `${response.status === 201 ? 'Created' : 'Updated'} ${response.location ?? ''}`, undefined, 'information')])));
  }
  if (response.body === undefined) return reply.send();
  let body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  if (pretty) body = JSON.stringify(JSON.parse(body), null, 2);
  return reply.type(FHIR_JSON).send(body);
}

function sendOutcome(reply: FastifyReply, status: number, outcome: object): void {
  void reply.code(status).type(FHIR_JSON).header('cache-control', 'no-store').send(JSON.stringify(outcome));
}

/** Everything that is not already an OperationOutcome becomes one; internals never leak. */
function toOutcomeError(error: unknown): OperationOutcomeError {
  if (error instanceof OperationOutcomeError || error instanceof StorageError || error instanceof Unauthenticated || error instanceof InsufficientScope) {
    return outcomeOfError(error);
  }
  const code = (error as { code?: string }).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return tooLong('The request body is larger than this server accepts');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new OperationOutcomeError(415, [issue('not-supported', 'Unsupported Content-Type: send application/fhir+json')]);
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return invalid('The request body is empty or malformed');
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return invalid((error as Error).message, undefined, status);
  return outcomeOfError(error);
}
