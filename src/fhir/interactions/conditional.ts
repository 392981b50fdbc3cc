import type { Visibility } from '../../access/index.js';
import { invalid, multipleMatches, parseSearchRequest } from '../../model/index.js';
import type { ResourceVersion, StoreReader, StoreTransaction } from '../../storage/index.js';

/**
 * Resolves the search of a conditional interaction (R4 §3.1.0.8): none → undefined, one → it,
 * several → 412 Precondition Failed. Unlike a plain search, criteria the server does not
 * understand are refused (400): ignoring them would widen the match and update or delete the
 * wrong resource. Criteria that select nothing in particular (`?_count=1`) are refused too.
 * With `localBase` (the server's FHIR base), absolute references are read as in a search.
 * `visibility` confines the search to what the caller may reach with the interaction, so neither
 * a match nor a 412 reveals resources outside it.
 */
export async function findConditionalTarget(db: StoreReader, type: string, query: string | [string, string][], what: string, localBase?: string,
  visibility: Visibility = 'everything'): Promise<ResourceVersion | undefined> {
  const params = criteriaParams(query);
  const request = parseSearchRequest(type, params, { defaultCount: 2, maxCount: 2, localBase });
  if (request.unknown.length > 0) {
    throw invalid(`${what}: unknown or unsupported search parameter(s) ${request.unknown.join(', ')} for ${type}`, request.unknown);
  }
  if (request.clauses.length === 0) throw invalid(`${what}: the criteria must name at least one search parameter of ${type}`);
  request.count = 2;
  request.total = 'none';
  if (visibility !== 'everything') request.restriction = visibility;
  const result = await db.search(request);
  if (result.matches.length > 1) throw multipleMatches(`${what} criteria match more than one ${type}`);
  return result.matches[0];
}

/**
 * Before the search of a conditional create or update: concurrent ones of the same criteria take
 * turns (on PostgreSQL; SQLite's writes already do), so only the first finds nothing and creates.
 * The key is the criteria with their parameters in a fixed order; criteria written differently
 * but meaning the same do not wait for each other.
 */
export async function serializeConditional(tx: StoreTransaction, type: string, query: string | [string, string][]): Promise<void> {
  await tx.serializeOn(conditionalKey(type, query));
}

/** What conditional entries of the same criteria take turns on (`serializeConditional`). */
export function conditionalKey(type: string, query: string | [string, string][]): string {
  return `conditional:${type}?${criteriaParams(query).map(([name, value]) => `${name}=${value}`).sort().join('&')}`;
}

/** The criteria as name/value pairs: a query string (anything up to a `?` ignored) or pairs already parsed. */
function criteriaParams(query: string | [string, string][]): [string, string][] {
  return typeof query === 'string' ? [...new URLSearchParams(query.replace(/^.*\?/, ''))] : query;
}
