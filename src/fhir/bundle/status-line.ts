import { STATUS_CODES } from 'node:http';

/**
 * R4 Bundle.entry.response.status: "SHALL start with a 3 digit HTTP code (e.g. 404) and may
 * contain the standard HTTP description associated with the status code". We always add the
 * description ("201 Created"), in batch, transaction and history Bundles alike.
 */
export function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}
