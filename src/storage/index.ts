export type * from './store.js';
export type * from './auth/auth-records.js';
export type * from './subscriptions/subscription-records.js';
export type * from './consent/consent-records.js';
export type * from './handover/invitation-records.js';
export type * from './review/review-records.js';
export { SUBSCRIPTIONS_MATCHER } from './review/review-sql.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { StorageError, StorageConflict, StorageBusy, StorageBadQuery, StorageInUse } from './storage-errors.js';
