import { extractSearchIndex, restrictionAdmits, type Resource } from '../../model/index.js';
import type { Visibility } from './visibility.js';

/**
 * Is this resource inside what `visibility` admits? Evaluated against the resource's own search
 * index (the rows storage keeps for it), so a granular scope and a compartment bound mean here
 * exactly what they mean in a search. `lastUpdated` (epoch ms) is the version's time, for
 * `_lastUpdated` queries (a version about to be written: now). `localBase` is our FHIR base: an
 * absolute reference under it names a local resource, as in the stored index.
 */
export function resourceVisible(visibility: Visibility, resource: Resource, lastUpdated: number, localBase: string): boolean {
  if (visibility === 'everything') return true;
  const index = extractSearchIndex(resource, { localBase });
  return restrictionAdmits(visibility, resource.resourceType, { id: resource.id ?? '', lastUpdated, index });
}
