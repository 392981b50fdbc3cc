import type { Resource } from '../model/index.js';
import type { StoreTransaction } from '../storage/index.js';
import type { FhirContext } from './fhir-context.js';
import { checkResourceBody, storeVersion } from './write-path.js';

/**
 * Loads resources with their own ids through the one write path (validation, index, change log),
 * in transactions of `batchSize`. Used for the sample data and `handover seed`: the same path as
 * the API, just without HTTP.
 */
export async function loadResources(ctx: FhirContext, resources: Resource[], batchSize = 500, onProgress?: (done: number) => void): Promise<void> {
  for (let start = 0; start < resources.length; start += batchSize) {
    const batch = resources.slice(start, start + batchSize);
    await ctx.store.transaction((tx) => writeResourcesIn(ctx, tx, batch));
    onProgress?.(start + batch.length);
  }
}

/**
 * The same in a transaction the caller holds: the resources commit with whatever else it writes.
 * Their current versions are read in one statement first, so that their writes follow one another
 * and can go out together (PostgreSQL: one statement for a run of creates, postgres-transaction.ts).
 */
export async function writeResourcesIn(ctx: FhirContext, tx: StoreTransaction, resources: Resource[]): Promise<void> {
  const checked = resources.map((resource) => checkResourceBody(resource, resource.resourceType));
  const keyOf = (type: string, id: string) => `${type}/${id}`;
  const currents = new Map((await tx.readCurrentsForUpdate(checked.map((r) => ({ resourceType: r.resourceType, id: r.id! }))))
    .map((version) => [keyOf(version.resourceType, version.id), version]));
  const written = new Set<string>();
  for (const resource of checked) {
    const key = keyOf(resource.resourceType, resource.id!);
    // A resource given twice is read again after its first write.
    const current = written.has(key) ? await tx.readCurrentForUpdate(resource.resourceType, resource.id!) : currents.get(key);
    await storeVersion(ctx, tx, resource, resource.id!, current);
    written.add(key);
  }
}
