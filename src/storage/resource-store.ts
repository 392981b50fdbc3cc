import type { SearchIndex, SearchRequest } from '../model/index.js';

/**
 * The resource half of the store interface (store.ts): versions, reads, searches and the
 * transaction that writes them — apart, so that record families whose units also write resources
 * (the disclosure log's AuditEvents) can name a transaction without importing the whole store.
 */

export interface ResourceVersion {
  resourceType: string;
  id: string;
  versionId: number;
  /** Epoch milliseconds. */
  lastUpdated: number;
  deleted: boolean;
  /** The stored JSON text (with `meta.versionId` and `meta.lastUpdated`); null for a deletion. */
  json: string | null;
}

export interface VersionWrite {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: number;
  /** null records a deletion. */
  json: string | null;
  index: SearchIndex | null;
}

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Epoch ms: versions updated at or after. */
  since?: number;
  /** Epoch ms interval: versions current at some point in [low, high). */
  at?: { low: number; high: number };
  count: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor of the next page, if there is one. */
  next: string | undefined;
}

export interface SearchResult {
  matches: ResourceVersion[];
  included: ResourceVersion[];
  next: string | undefined;
  total: number | undefined;
}

export interface StoreReader {
  /** The current version of a resource, including a deletion tombstone. */
  readCurrent(resourceType: string, id: string): Promise<ResourceVersion | undefined>;
  readVersion(resourceType: string, id: string, versionId: number): Promise<ResourceVersion | undefined>;
  /** Newest first. */
  history(query: HistoryQuery): Promise<Page<ResourceVersion>>;
  search(request: SearchRequest): Promise<SearchResult>;
}

export interface StoreTransaction extends StoreReader {
  /** readCurrent that also holds the row against concurrent writers until the transaction ends. */
  readCurrentForUpdate(resourceType: string, id: string): Promise<ResourceVersion | undefined>;
  /** readCurrentForUpdate of several resources in one statement: those that exist, in no particular order. */
  readCurrentsForUpdate(keys: readonly { resourceType: string; id: string }[]): Promise<ResourceVersion[]>;
  /** Stores a version atomically with its history row and search index. */
  writeVersion(write: VersionWrite): Promise<void>;
  /**
   * Waits until no other transaction holds `key`, then holds it until this one ends: conditional
   * creates and updates of the same criteria take turns, so the second sees the first's resource
   * instead of both finding none and both creating one.
   */
  serializeOn(key: string): Promise<void>;
  /**
   * The grants a Consent backs, read in this transaction: a check inside a write (the Consent
   * rule) must not wait for a second pooled connection while holding one (PostgreSQL: N such
   * writes at once on a pool of N would each wait for the others until the pool wait ran out).
   */
  grantIdsOfConsent(consentId: string): Promise<string[]>;
}

