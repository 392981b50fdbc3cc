import type { Visibility } from '../../access/index.js';
import { deleted, notFound } from '../../model/index.js';
import type { ResourceVersion, StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import type { FhirResponse } from '../fhir-request.js';
import { versionResponse } from './version-response.js';

/** R4 §3.1.0.2 read: 410 Gone once deleted, 404 if never known or not the caller's to see. */
export async function readResource(db: StoreReader, guard: AccessGuard, visibility: Visibility, type: string, id: string): Promise<FhirResponse> {
  const current = await db.readCurrent(type, id);
  await guard.checkVisible(db, visibility, current);
  return versionResponse(200, existing(current, type, id));
}

/** R4 §3.1.0.3 vread: each version is judged on its own content. */
export async function vreadResource(db: StoreReader, guard: AccessGuard, visibility: Visibility, type: string, id: string, versionId: string): Promise<FhirResponse> {
  const vid = Number(versionId);
  const version = Number.isSafeInteger(vid) && vid > 0 ? await db.readVersion(type, id, vid) : undefined;
  if (!version || !(await guard.isVisible(db, visibility, version))) throw notFound(`${type}/${id} has no version ${versionId}`);
  if (version.deleted) throw deleted(`${type}/${id} version ${versionId} is a deletion`);
  return versionResponse(200, version);
}

export function existing(current: ResourceVersion | undefined, type: string, id: string): ResourceVersion {
  if (!current) throw notFound(`${type}/${id} is not known`);
  if (current.deleted) throw deleted(`${type}/${id} was deleted`);
  return current;
}
