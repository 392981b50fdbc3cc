import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid, issue, OperationOutcomeError, outcomeOf, tooLong } from '../../model/index.js';
import { StorageError } from '../../storage/index.js';
import { outcomeOfError } from '../outcome-of-error.js';
import { dispatch } from '../dispatch.js';
import type { FhirContext } from '../fhir-context.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { bodyKindOf, checkAcceptable } from './negotiate-format.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The FHIR REST surface as a Fastify plugin (mounted at /fhir). It owns its body parsing, its
 * error and not-found handlers — every answer here is FHIR JSON, errors an OperationOutcome.
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

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://x');
    const query = [...url.searchParams].filter(([name]) => name !== '_format' && name !== '_pretty');
    checkAcceptable(request.headers.accept, url.searchParams.get('_format') ?? undefined);
    const path = url.pathname.replace(/^\/fhir\/?/, '').split('/').filter((s) => s.length > 0).map(safeDecode);
    const fhirRequest: FhirRequest = {
      method: request.method as FhirRequest['method'],
      path,
      query,
      headers: request.headers as Record<string, string | undefined>,
      body: request.body,
    };
    const response = await dispatch(ctx, fhirRequest);
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
    sendOutcome(reply, mapped.status, mapped.outcome);
  });
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
  if (error instanceof OperationOutcomeError || error instanceof StorageError) return outcomeOfError(error);
  const code = (error as { code?: string }).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return tooLong('The request body is larger than this server accepts');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new OperationOutcomeError(415, [issue('not-supported', 'Unsupported Content-Type: send application/fhir+json')]);
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return invalid('The request body is empty or malformed');
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return invalid((error as Error).message, undefined, status);
  return outcomeOfError(error);
}
