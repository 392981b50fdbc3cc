import type { Resource, StoredResource } from '../model/index.js';
import { extractSearchIndex, validateResource, OperationOutcomeError, invalid } from '../model/index.js';
import type { ResourceVersion, StoreTransaction } from '../storage/index.js';
import type { FhirContext } from './fhir-context.js';

/**
 * The one write path: every create, update, patch, delete, Bundle entry and seed load goes
 * through here, so validation, version numbering, the search index and the change log can never
 * disagree with each other.
 */

/**
 * The current version, locked for this transaction's write. A resource that does not exist yet has
 * no row to lock, so concurrent creates of one client-chosen id (PUT create-on-update) take turns on
 * its name instead: the later one then finds the earlier's version and updates it, as if they had
 * come one after the other (on PostgreSQL both inserted and all but one failed with 409; SQLite's
 * one writer already serializes them, and `serializeOn` is a no-op there).
 */
export async function readCurrentForWrite(tx: StoreTransaction, type: string, id: string): Promise<ResourceVersion | undefined> {
  const current = await tx.readCurrentForUpdate(type, id);
  if (current) return current;
  await tx.serializeOn(`create:${type}/${id}`);
  return tx.readCurrentForUpdate(type, id);
}

/** Checks a request body is a valid resource of the expected type; throws an OperationOutcome. */
export function checkResourceBody(body: unknown, expectedType: string): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object holding a FHIR resource', undefined, 400);
  }
  const resource = body as Resource;
  if (resource.resourceType !== expectedType) {
    throw invalid(`resourceType "${String(resource.resourceType)}" does not match the URL's ${expectedType}`, 'resourceType', 400);
  }
  const issues = validateResource(resource);
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) throw new OperationOutcomeError(statusForIssues(errors.map((e) => e.code)), errors);
  return resource;
}

/**
 * R4 §3.1.0.8 and the issue: parse and structure errors are 400; a resource that is well formed
 * but breaks a rule of the profile (cardinality, required element, required binding) is 422.
 */
function statusForIssues(codes: string[]): number {
  return codes.every((code) => code === 'required' || code === 'code-invalid' || code === 'business-rule' || code === 'invariant') ? 422 : 400;
}

export interface WrittenVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: number;
  json: string | null;
  /** true when this write created the resource (or re-created it after a deletion). */
  created: boolean;
}

/** Stamps id and meta, indexes, and stores the next version after `current`. */
export async function storeVersion(ctx: FhirContext, tx: StoreTransaction, resource: Resource, id: string, current: ResourceVersion | undefined): Promise<WrittenVersion> {
  const check = Object.hasOwn(ctx.extensions.types, resource.resourceType) ? ctx.extensions.types[resource.resourceType]!.checkVersion : undefined;
  if (check) await check({ ...resource, id }, current?.json ? JSON.parse(current.json) as Resource : undefined, tx);
  const versionId = (current?.versionId ?? 0) + 1;
  const lastUpdated = nextTimestamp(ctx, current);
  const stored: StoredResource = {
    ...resource,
    id,
    meta: { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated: new Date(lastUpdated).toISOString() },
  } as StoredResource;
  // Keep resourceType, id and meta first, as people read them.
  const { resourceType, meta, id: _ignored, ...rest } = stored;
  const json = JSON.stringify({ resourceType, id, meta, ...rest });
  await tx.writeVersion({ resourceType, id, versionId, lastUpdated, json, index: extractSearchIndex(stored, { localBase: ctx.fhirBase }) });
  ctx.metrics.resourceWrites.inc({ type: resourceType, interaction: current && !current.deleted ? 'update' : 'create' });
  return { resourceType, id, versionId, lastUpdated, json, created: !current || current.deleted };
}

export async function storeDeletion(ctx: FhirContext, tx: StoreTransaction, current: ResourceVersion): Promise<WrittenVersion> {
  const versionId = current.versionId + 1;
  const lastUpdated = nextTimestamp(ctx, current);
  await tx.writeVersion({ resourceType: current.resourceType, id: current.id, versionId, lastUpdated, json: null, index: null });
  ctx.metrics.resourceWrites.inc({ type: current.resourceType, interaction: 'delete' });
  return { resourceType: current.resourceType, id: current.id, versionId, lastUpdated, json: null, created: false };
}

/** lastUpdated never goes backwards within one resource's history, whatever the clock does. */
function nextTimestamp(ctx: FhirContext, current: ResourceVersion | undefined): number {
  const now = ctx.clock.now().getTime();
  return current && current.lastUpdated >= now ? current.lastUpdated + 1 : now;
}
