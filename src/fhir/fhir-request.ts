import type { AccessContext } from '../access/index.js';
import type { Resource } from '../model/index.js';
import type { StoreTransaction } from '../storage/index.js';

/**
 * A FHIR interaction independent of HTTP, so the REST routes and the entries of a batch or
 * transaction Bundle go through exactly the same handlers.
 */
export interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path segments below the FHIR base: `['Patient', '123', '_history', '2']`. */
  path: string[];
  query: [string, string][];
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Who is calling (from the bearer token); a Bundle's entries carry the Bundle request's. */
  access: AccessContext;
  /** A transaction pre-assigns create ids so `urn:uuid:` references resolve before writing. */
  assignedId?: string;
  /** Inside a transaction Bundle: work to run after it commits (extensions' `afterCommit`). */
  afterCommit?: (() => Promise<void>)[];
}

export interface FhirResponse {
  status: number;
  /** A resource, or pre-serialized JSON text (the stored bytes, to avoid a parse/stringify). */
  body?: Resource | string;
  headers?: Record<string, string>;
  /** For Bundle entries: the resource's version and time. */
  location?: string;
  etag?: string;
  lastModified?: string;
  /**
   * Versioned references (`Type/id/_history/n`) of the resources the body carries, when the handler
   * knows them without parsing it (reads, searches): the disclosure log's fast path.
   */
  disclosed?: string[];
}

/** Runs one interaction; with `tx`, inside that store transaction (a transaction Bundle entry). */
export type Dispatch = (request: FhirRequest, tx?: StoreTransaction) => Promise<FhirResponse>;
