import type { Change, ResourceVersion } from '../store.js';
import type { Row } from './sql-executor.js';

/**
 * A change-log row as a `Change`; with `withContent`, the row also carries the version's
 * `content` and the previous version's `previous_*` columns (a LEFT JOIN: null when absent).
 */
export function changeOf(row: Row, withContent: boolean): Change {
  const change: Change = {
    resourceType: String(row.resource_type), id: String(row.id), versionId: Number(row.version_id),
    deleted: Number(row.deleted) === 1, lastUpdated: Number(row.last_updated),
  };
  if (!withContent) return change;
  const current: ResourceVersion = { resourceType: change.resourceType, id: change.id, versionId: change.versionId,
    lastUpdated: change.lastUpdated, deleted: change.deleted, json: (row.content as string | null) ?? null };
  const previous: ResourceVersion | undefined = row.previous_version_id === null || row.previous_version_id === undefined ? undefined : {
    resourceType: change.resourceType, id: change.id, versionId: Number(row.previous_version_id), lastUpdated: Number(row.previous_last_updated),
    deleted: Number(row.previous_deleted) === 1, json: (row.previous_content as string | null) ?? null,
  };
  return { ...change, versions: { current, previous } };
}
