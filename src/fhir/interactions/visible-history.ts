import { InsufficientScope, type Visibility } from '../../access/index.js';
import type { ResourceVersion, StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';

/**
 * The versions of a history page the caller may see. History is a search over versions
 * (`smartInteraction`: type and system history are `s`), judged one version at a time — a
 * deletion by the version it deleted. `visibility` is the type's (type and instance history);
 * `undefined` for system history, where each type is looked up and types the caller may not
 * search drop out, or 403 when it may search none at all. The page is filtered after it is read,
 * so it may be short; the `next` link still leads on.
 */
export async function visibleHistory(db: StoreReader, guard: AccessGuard, versions: ResourceVersion[], visibility: Visibility | undefined): Promise<ResourceVersion[]> {
  if (guard.access.open) return versions;
  if (visibility === undefined && !guard.access.caller.scopes.some((scope) => scope.interactions.includes('s'))) {
    throw new InsufficientScope('The granted scopes allow no search, so no history');
  }
  const byType = new Map<string, Visibility | undefined>();
  const visibilityOf = (type: string) => {
    if (visibility !== undefined) return visibility;
    if (!byType.has(type)) byType.set(type, guard.visibilityOrNone(type, 's'));
    return byType.get(type);
  };
  const kept: ResourceVersion[] = [];
  for (const version of versions) {
    const allowed = visibilityOf(version.resourceType);
    if (allowed !== undefined && (await guard.isVisible(db, allowed, version))) kept.push(version);
  }
  return kept;
}
