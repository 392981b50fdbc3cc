import type { ParsedReference } from './notification.js';

/** `…/Condition/123` or `Condition/123` (optionally `/_history/2`) → its type and id. */
export function parseReference(reference: string): ParsedReference {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return { reference, resourceType: match?.[1], id: match?.[2] };
}
