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

/** The same in a transaction the caller holds: the resources commit with whatever else it writes. */
export async function writeResourcesIn(ctx: FhirContext, tx: StoreTransaction, resources: Resource[]): Promise<void> {
  for (const resource of resources) {
    const checked = checkResourceBody(resource, resource.resourceType);
    const current = await tx.readCurrentForUpdate(checked.resourceType, checked.id!);
    await storeVersion(ctx, tx, checked, checked.id!, current);
  }
}
