import { extractSearchIndex, type Resource, type ResourceChange } from '../model/index.js';
import type { Change, ResourceVersion, Store } from '../storage/index.js';

/**
 * A committed change with the two states the triggers compare (R5 SubscriptionTopic
 * `%previous` / `%current`): the version before it (none on create, or after a deletion) and the
 * version it wrote (none on delete), each with its search index.
 */
export async function loadChange(store: Store, change: Change, fhirBase: string): Promise<ResourceChange> {
  const before = change.versionId > 1 ? await store.readVersion(change.resourceType, change.id, change.versionId - 1) : undefined;
  const after = change.deleted ? undefined : await store.readVersion(change.resourceType, change.id, change.versionId);
  return { resourceType: change.resourceType, previous: indexed(before, fhirBase), current: indexed(after, fhirBase) };
}

function indexed(version: ResourceVersion | undefined, fhirBase: string) {
  if (!version || version.deleted || version.json === null) return undefined;
  const resource = JSON.parse(version.json) as Resource;
  return { id: version.id, lastUpdated: version.lastUpdated, index: extractSearchIndex(resource, { localBase: fhirBase }), resource };
}
