export type * from './scope-types.js';
export { INTERACTION_ORDER, NAMED_SCOPES } from './scope-types.js';
export { parseScope, parseScopes, type ParsedScopes } from './parse-scope.js';
export { formatScope, formatScopes } from './format-scope.js';
