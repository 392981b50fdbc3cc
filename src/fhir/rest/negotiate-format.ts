import { notSupported } from '../../model/index.js';

/**
 * R4 §3.1.0.1.10 content types and `_format`. We speak JSON only: an XML `Accept` or `_format`
 * is 406, an XML (or any non-JSON) request body is 415 — until XML is supported.
 */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

export function checkAcceptable(accept: string | undefined, format: string | undefined): void {
  if (format !== undefined) {
    if (!JSON_FORMATS.has(format.split(';')[0]!.trim().toLowerCase())) {
      throw notSupported(`_format=${format} is not supported: this server answers JSON (application/fhir+json)`, 406);
    }
    return;
  }
  if (!accept) return;
  const ranges = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const ok = ranges.some((range) => range === '*/*' || range === 'application/*' || range.includes('json') || range === 'text/html' || range === 'text/plain');
  if (!ok) throw notSupported(`Accept: ${accept} cannot be satisfied: this server answers application/fhir+json`, 406);
}

/** The request body types we parse, by the media type without parameters. */
export type BodyKind = 'json' | 'form' | 'none';

export function bodyKindOf(contentType: string | undefined): BodyKind {
  if (!contentType) return 'none';
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media === 'application/fhir+json' || media === 'application/json' || media === 'application/json+fhir' || media === 'application/json-patch+json') return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  throw notSupported(`Content-Type ${media} is not supported: send application/fhir+json`, 415);
}
