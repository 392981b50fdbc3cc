import { extractSearchIndex, type Resource, type ResourceChange } from '../model/index.js';
import type { Change, ResourceVersion, Store, VersionKey } from '../storage/index.js';

/**
 * Committed changes with the two states the triggers compare (R5 SubscriptionTopic
 * `%previous` / `%current`): the version before each (none on create, or after a deletion) and
 * the version it wrote (none on delete), each with its search index. The versions come with the
 * change when `readChanges` brought them; the others are read in ONE statement for the batch.
 */
export async function loadChanges(store: Store, changes: readonly Change[], fhirBase: string): Promise<ResourceChange[]> {
  const missing: VersionKey[] = [];
  for (const change of changes) {
    if (change.versions) continue;
    if (change.versionId > 1) missing.push({ resourceType: change.resourceType, id: change.id, versionId: change.versionId - 1 });
    if (!change.deleted) missing.push({ resourceType: change.resourceType, id: change.id, versionId: change.versionId });
  }
  const read = new Map((await store.readVersions(missing)).map((v) => [keyOf(v), v]));
  return changes.map((change) => {
    const versions = change.versions ?? {
      previous: change.versionId > 1 ? read.get(keyOf({ ...change, versionId: change.versionId - 1 })) : undefined,
      current: change.deleted ? undefined : read.get(keyOf(change)),
    };
    return { resourceType: change.resourceType, previous: indexed(versions.previous, fhirBase), current: indexed(versions.current, fhirBase) };
  });
}

const keyOf = (v: VersionKey) => `${v.resourceType}/${v.id}/${v.versionId}`;

function indexed(version: ResourceVersion | undefined, fhirBase: string) {
  if (!version || version.deleted || version.json === null) return undefined;
  const resource = JSON.parse(version.json) as Resource;
  return { id: version.id, lastUpdated: version.lastUpdated, index: extractSearchIndex(resource, { localBase: fhirBase }), resource };
}
