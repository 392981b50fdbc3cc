export type * from './fhir-types.js';
export * from './outcome/index.js';
export * from './definitions/index.js';
export * from './search/index.js';
export * from './validation/index.js';
export * from './synthetic/index.js';
export * from './scopes/index.js';
export * from './subscriptions/index.js';
export { warmR4Definitions } from './warm-up.js';
