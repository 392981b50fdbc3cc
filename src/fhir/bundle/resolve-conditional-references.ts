import { invalid, isResourceType, notFound, type OperationOutcomeError } from '../../model/index.js';
import { InsufficientScope } from '../../access/index.js';
import type { StoreReader } from '../../storage/index.js';
import type { AccessGuard } from '../access-guard.js';
import { findConditionalTarget } from '../interactions/conditional.js';
import { setAt, visitStrings } from './visit-strings.js';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.*)$/s;

/**
 * R4 §3.1.0.11.2 conditional references: a reference written as a search (`Patient?identifier=
 * sys|v`) is replaced by the one resource it matches; several matches fail (412, from the
 * conditional search). Resolved matches are remembered in `cache` for the rest of the Bundle.
 * No match answers the 404 error instead of throwing it, so a transaction can retry the entry
 * once the resources it creates itself are written. Mutates `body` in place. The search sees
 * only what the caller may read or search of that type (403 when nothing), so a reference
 * cannot probe for resources outside it.
 */
export async function resolveConditionalReferences(db: StoreReader, guard: AccessGuard, body: unknown, cache: Map<string, string>): Promise<OperationOutcomeError | undefined> {
  const pending: { holder: Record<string, unknown>; key: string; value: string; path: string }[] = [];
  visitStrings(body, (holder, key, value, path) => {
    if (key === 'reference' && CONDITIONAL.test(value)) pending.push({ holder: holder as Record<string, unknown>, key, value, path });
  });
  for (const { holder, key, value, path } of pending) {
    let target = cache.get(value);
    if (target === undefined) {
      const [, type, query] = CONDITIONAL.exec(value)!;
      if (!isResourceType(type!)) throw invalid(`The conditional reference ${value} names an unknown resource type`, `resource.${path}`);
      const seeable = guard.seeable(type!);
      if (seeable === undefined) throw new InsufficientScope(`The granted scopes do not allow resolving the conditional reference ${value}`);
      const match = await findConditionalTarget(db, type!, query!, `The conditional reference ${value}`, undefined, seeable);
      if (!match) return notFound(`The conditional reference ${value} matches no resource`);
      target = `${type}/${match.id}`;
      cache.set(value, target);
    }
    setAt(holder, key, target);
  }
  return undefined;
}
