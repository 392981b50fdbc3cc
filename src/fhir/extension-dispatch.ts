import { invalid, notFound, notSupported, parseSearchRequest, type Resource } from '../model/index.js';
import type { StoreTransaction } from '../storage/index.js';
import type { AccessGuard } from './access-guard.js';
import type { FhirContext } from './fhir-context.js';
import type { FhirOperation, PreparedWrite, ResourceTypeExtension } from './fhir-extensions.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import type { Route } from './routes.js';

/**
 * Runs a routed interaction on a type another capability extends (fhir-extensions.ts): writes
 * pass its `beforeWrite` and, once committed, its `afterCommit`; reads pass `present`.
 */
export async function runExtended(extension: ResourceTypeExtension, route: Route, request: FhirRequest, tx: StoreTransaction | undefined,
  run: (request: FhirRequest) => Promise<FhirResponse>): Promise<FhirResponse> {
  const type = request.path[0]!;
  switch (route.interaction) {
    case 'create':
    case 'update': {
      const body = request.body as Resource | undefined;
      if (typeof body !== 'object' || body === null || body.resourceType !== type) return run(request);
      // afterCommit must follow the commit: a transaction Bundle runs it once the whole Bundle committed.
      if (tx && !request.afterCommit) throw invalid(`A ${type} cannot be written here; send it on its own, in a batch or in a transaction`);
      const prepared = extension.beforeWrite ? await extension.beforeWrite(body, request.access) : undefined;
      const response = await run(prepared ? { ...request, body: prepared.resource } : request);
      await afterWritten(extension, prepared, response, request, tx);
      return response;
    }
    case 'patch': {
      // A type whose writes must be prepared before they are stored cannot take a patch it never saw.
      if (extension.beforeWrite) throw notSupported(`PATCH is not supported on ${type}: send the whole resource with PUT`, 405);
      if (tx && !request.afterCommit) throw invalid(`A ${type} cannot be patched here`);
      const response = await run(request);
      await afterWritten(extension, undefined, response, request, tx);
      return response;
    }
    case 'delete': {
      if (route.conditional) throw notSupported(`Conditional delete is not supported on ${type}`, 405);
      if (tx && !request.afterCommit) throw invalid(`A ${type} cannot be deleted here`);
      const response = await run(request);
      const afterDelete = extension.afterDelete;
      if (response.status < 300 && afterDelete) {
        const id = request.path[1]!;
        if (tx) request.afterCommit!.push(() => afterDelete(id));
        else await afterDelete(id);
      }
      return response;
    }
    case 'read': {
      const response = await run(request);
      if (response.status !== 200 || !extension.present || response.body === undefined) return response;
      const resource = typeof response.body === 'string' ? JSON.parse(response.body) as Resource : response.body;
      return { ...response, body: await extension.present(resource) };
    }
    default:
      return run(request);
  }
}

/** Runs the extension's after-commit work of a successful write: at once, or after the enclosing transaction Bundle commits. */
async function afterWritten(extension: ResourceTypeExtension, prepared: PreparedWrite | undefined, response: FhirResponse, request: FhirRequest,
  tx: StoreTransaction | undefined): Promise<void> {
  const id = writtenId(response);
  if (id === undefined || response.status >= 300) return;
  const work = [prepared ? () => prepared.afterCommit(id) : undefined, extension.afterWrite ? () => extension.afterWrite!(id) : undefined]
    .filter((w): w is () => Promise<void> => w !== undefined);
  for (const step of work) {
    if (tx) request.afterCommit!.push(step);
    else await step();
  }
}

/** The id of what a create or update wrote, from its Location (or its body). */
function writtenId(response: FhirResponse): string | undefined {
  const location = response.headers?.location ?? response.headers?.Location ?? response.location;
  const fromLocation = location ? /\/[A-Za-z]+\/([A-Za-z0-9\-.]{1,64})(\/_history\/|$)/.exec(location)?.[1] : undefined;
  if (fromLocation) return fromLocation;
  const body = typeof response.body === 'string' ? JSON.parse(response.body) as Resource : response.body;
  return body?.id;
}

/** `GET|POST [type]/$op` and `[type]/[id]/$op` for the operations extensions provide. */
export function matchOperation(ctx: FhirContext, request: FhirRequest): { operation: FhirOperation; id: string | undefined } | undefined {
  const last = request.path[request.path.length - 1];
  if (!last?.startsWith('$') || (request.method !== 'GET' && request.method !== 'POST' && request.method !== 'HEAD')) return undefined;
  const level = request.path.length === 2 ? 'type' : request.path.length === 3 ? 'instance' : undefined;
  const operation = ctx.extensions.operations.find((op) => op.resourceType === request.path[0] && op.level === level && `$${op.name}` === last);
  return operation ? { operation, id: level === 'instance' ? request.path[1] : undefined } : undefined;
}

/**
 * Runs an operation after the access checks every read passes: its interaction must be covered on
 * the type (403), an instance must be one the caller may see (404), and a type-level operation
 * only learns of the instances the caller may see.
 */
export async function runOperation(ctx: FhirContext, request: FhirRequest, guard: AccessGuard, operation: FhirOperation, id: string | undefined): Promise<FhirResponse> {
  const visibility = guard.visibility(operation.resourceType, operation.interaction);
  const params = [...request.query, ...parametersOf(request.body)];
  let ids: string[];
  if (id !== undefined) {
    const current = await ctx.store.readCurrent(operation.resourceType, id);
    if (!current || current.deleted) throw notFound(`${operation.resourceType}/${id} is not known`);
    await guard.checkVisible(ctx.store, visibility, current);
    ids = [id];
  } else {
    const search = parseSearchRequest(operation.resourceType, [['_count', '1000']]);
    guard.restrict(search);
    ids = (await ctx.store.search(search)).matches.filter((m) => !m.deleted).map((m) => m.id);
  }
  const body = await operation.handle({ id, params, access: request.access, visibleIds: ids });
  return { status: 200, body };
}

/** A POSTed `Parameters` resource as name/value pairs (primitive values only). */
function parametersOf(body: unknown): [string, string][] {
  if (body === undefined || body === null || typeof body === 'string') return [];
  const resource = body as { resourceType?: string; parameter?: Record<string, unknown>[] };
  if (resource.resourceType !== 'Parameters') throw invalid('An operation takes a Parameters resource in its body');
  const pairs: [string, string][] = [];
  for (const parameter of resource.parameter ?? []) {
    const name = parameter.name;
    const valueKey = Object.keys(parameter).find((k) => k.startsWith('value'));
    if (typeof name === 'string' && valueKey) pairs.push([name, String(parameter[valueKey])]);
  }
  return pairs;
}
