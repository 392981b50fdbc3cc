import { isFhirId } from '../base/index.js';
import { InsufficientScope, type Visibility } from '../access/index.js';
import { invalid, isResourceType, notFound, notSupported, smartInteraction, type RestInteraction } from '../model/index.js';
import type { StoreTransaction } from '../storage/index.js';
import { AccessGuard } from './access-guard.js';
import type { FhirContext } from './fhir-context.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { processBundle } from './bundle/process-bundle.js';
import { capabilityStatement } from './interactions/capabilities.js';
import { FHIR_ROUTES, matchRoute, type Route } from './routes.js';
import { matchOperation, runExtended, runOperation } from './extension-dispatch.js';

/**
 * Runs one FHIR interaction. With `tx`, reads and writes join that transaction (a Bundle
 * transaction entry); without, each write gets its own.
 */
export async function dispatch(ctx: FhirContext, request: FhirRequest, tx?: StoreTransaction): Promise<FhirResponse> {
  if (request.path.length === 0 && request.method === 'POST') {
    if (tx) throw invalid('A Bundle cannot be nested inside a transaction');
    return processBundle(ctx, request, (entryRequest, entryTx) => dispatch(ctx, entryRequest, entryTx));
  }
  if (request.path.length === 1 && request.path[0] === 'metadata' && (request.method === 'GET' || request.method === 'HEAD')) {
    return { status: 200, body: capabilityStatement(ctx) };
  }
  const operation = matchOperation(ctx, request);
  if (operation) {
    if (operation.id !== undefined && !isFhirId(operation.id)) throw invalid(`"${operation.id}" is not a valid FHIR id`);
    return runOperation(ctx, request, new AccessGuard(ctx, request.access), operation.operation, operation.id);
  }
  const matched = matchRoute(request);
  if (!matched) return unrouted(request);
  const { type, id } = matched.params;
  if (type !== undefined && !isResourceType(type)) throw notFound(`Unknown resource type "${type}"`);
  if (id !== undefined && !isFhirId(id)) throw invalid(`"${id}" is not a valid FHIR id`);
  const guard = new AccessGuard(ctx, request.access);
  const visibility = routeVisibility(guard, matched.route, type);
  const run = (routed: FhirRequest) => matched.route.handle({
    ctx,
    request: routed,
    params: matched.params,
    db: tx ?? ctx.store,
    write: tx ? (work) => work(tx) : (work) => ctx.store.transaction(work),
    guard,
    visibility,
  });
  const extension = type !== undefined && Object.hasOwn(ctx.extensions.types, type) ? ctx.extensions.types[type] : undefined;
  return extension ? runExtended(extension, matched.route, request, tx, run) : run(request);
}

/**
 * The scope check every routed interaction passes before its handler runs: the route's R4
 * interaction as a SMART letter on its type (403 when not covered). An interaction with no
 * letter is refused unless the server is open; routes without a type (system history) check
 * each type they touch themselves.
 */
function routeVisibility(guard: AccessGuard, route: Route, type: string | undefined): Visibility {
  const letter = smartInteraction(route.interaction as RestInteraction);
  if (letter === undefined) {
    if (guard.access.open) return 'everything';
    throw new InsufficientScope(`No scope covers the ${route.interaction} interaction`);
  }
  return type === undefined ? 'everything' : guard.visibility(type, letter);
}

function unrouted(request: FhirRequest): never {
  const first = request.path[0];
  if (first !== undefined && !first.startsWith('$') && !first.startsWith('_') && first !== 'metadata' && !isResourceType(first)) {
    throw notFound(`Unknown resource type "${first}"`);
  }
  const samePath = FHIR_ROUTES.some((route) => route.pattern.length === request.path.length);
  if ((request.method === 'PUT' || request.method === 'DELETE') && request.path.length === 1) {
    throw invalid(`${request.method} on a type needs search parameters (a conditional ${request.method === 'PUT' ? 'update' : 'delete'})`);
  }
  throw samePath
    ? notSupported(`${request.method} is not supported on /${request.path.join('/')}`, 405)
    : notFound(`No FHIR interaction at /${request.path.join('/')}`);
}
