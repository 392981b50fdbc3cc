import type { ResourceVersion } from '../store.js';
import type { Row } from './sql-executor.js';
import { raw, type Sql } from './sql-fragment.js';

export const VERSION_COLUMNS = 'resource_type, id, version_id, last_updated, deleted, content';

export function versionColumnsOf(alias: string): Sql {
  return raw(['resource_type', 'id', 'version_id', 'last_updated', 'deleted', 'content'].map((c) => `${alias}.${c}`).join(', '));
}

export function toVersion(row: Row): ResourceVersion {
  return {
    resourceType: row.resource_type as string,
    id: row.id as string,
    versionId: Number(row.version_id),
    lastUpdated: Number(row.last_updated),
    deleted: Number(row.deleted) === 1,
    json: (row.content as string | null) ?? null,
  };
}
