import { invalid } from '../../model/index.js';
import { setAt, visitStrings } from './visit-strings.js';

const LOCAL = /^urn:(uuid|oid):/;

/**
 * R4 §3.1.0.11.2: a transaction replaces every link to an entry's fullUrl with the resource's
 * real `Type/id` — "whether they are found in the resource ids, resource references, elements of
 * type uri, url, oid, uuid, and <a href="" & <img src="" in the narrative".
 * Without element types at hand, a `urn:uuid:`/`urn:oid:` string equal to a fullUrl is replaced
 * wherever it stands (such URNs name nothing outside the Bundle); any other fullUrl (an absolute
 * URL) only where it is a Reference.reference. A `urn:uuid:`/`urn:oid:` reference that names no
 * entry could never resolve, so it is an error rather than stored. Mutates `body` in place.
 */
export function rewriteLocalReferences(body: unknown, targets: Map<string, string>): void {
  visitStrings(body, (holder, key, value, path) => {
    if (key === 'div' && value.includes('urn:')) {
      setAt(holder, key, value.replace(/\b(href|src)="(urn:(?:uuid|oid):[^"]*)"/g, (whole, attribute: string, url: string) =>
        targets.has(url) ? `${attribute}="${targets.get(url)!}"` : whole));
      return;
    }
    const target = targets.get(value);
    if (target !== undefined && (key === 'reference' || LOCAL.test(value))) setAt(holder, key, target);
    else if (key === 'reference' && LOCAL.test(value)) {
      throw invalid(`The reference ${value} names no entry of this Bundle`, `resource.${path}`);
    }
  });
}

/**
 * R4 §3.1.0.11.1: in a batch "references within a Bundle.entry.resource to another
 * Bundle.entry.resource that is being created within the batch are considered to be
 * non-conformant" — entries are independent, so such a reference is refused, not stored.
 */
export function refuseLocalReferences(body: unknown): void {
  visitStrings(body, (_holder, key, value, path) => {
    if (key === 'reference' && LOCAL.test(value)) {
      throw invalid(`The reference ${value} points into the Bundle: batch entries are independent, use a transaction`, `resource.${path}`);
    }
  });
}
