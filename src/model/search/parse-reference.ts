import { isResourceType } from '../definitions/index.js';

/**
 * A literal reference as the resource type and id it names (R4 references §2.3.0.1 Reference:
 * relative `Patient/123`, absolute `https://host/fhir/Patient/123`, optionally `/_history/2`).
 * Contained (`#x`), `urn:uuid:` and other opaque forms name no type and give undefined.
 */
export interface ParsedReference {
  type: string;
  id: string;
}

// R4 §2.3.0.1: Type/id, the last two segments before an optional `_history/version`; ids follow
// the R4 id regex `[A-Za-z0-9\-\.]{1,64}`.
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE = /^https?:\/\/.+?\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function parseReference(reference: string): ParsedReference | undefined {
  const m = RELATIVE.exec(reference) ?? ABSOLUTE.exec(reference);
  if (!m || !isResourceType(m[1]!)) return undefined;
  return { type: m[1]!, id: m[2]! };
}
