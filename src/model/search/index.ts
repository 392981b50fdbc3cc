export type * from './search-types.js';
export { extractSearchIndex } from './extract-search-index.js';
export { parseSearchRequest, type ParseSearchOptions } from './parse-search-request.js';
export { fhirDateRange, OPEN_LOW_DATE, OPEN_HIGH_DATE, type DateRange } from './fhir-date-range.js';
export { numberRange, OPEN_LOW_NUMBER, OPEN_HIGH_NUMBER, type NumberRange } from './number-range.js';
export { normalizeSearchString } from './normalize-search-string.js';
export { parseReference, type ParsedReference } from './parse-reference.js';
export { indexedParams, isIndexedParam } from './indexed-params.js';
