export type * from './store.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { StorageError, StorageConflict, StorageBusy, StorageBadQuery } from './storage-errors.js';
