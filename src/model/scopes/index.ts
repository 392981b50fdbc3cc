export type * from './scope-types.js';
export { INTERACTION_ORDER, NAMED_SCOPES } from './scope-types.js';
export { parseScope, parseScopes, type ParsedScopes } from './parse-scope.js';
export { formatScope, formatScopes } from './format-scope.js';
export { scopeCovers, permits, type ScopeRequest, type LevelGrant, type Permission } from './scope-covers.js';
export { smartInteraction, type RestInteraction } from './smart-interaction.js';
export { narrowScopes, isNarrowing, type Narrowed } from './narrow-scopes.js';
export { intersectScopes } from './intersect-scopes.js';
export {
  granularCategories,
  CATEGORY_CHOICES,
  CONDITION_CATEGORY_SYSTEM,
  US_CORE_CONDITION_CATEGORY_SYSTEM,
  OBSERVATION_CATEGORY_SYSTEM,
  type CategoryChoice,
  type GranularCategory,
} from './granular-categories.js';
