/**
 * Storage speaks its own error kinds; each surface (FHIR API, OAuth, pages) maps them.
 * Driver errors are normalized into these in one place per engine.
 */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** A unique key already exists (e.g. two creates of the same id raced). */
export class StorageConflict extends StorageError {
  override name = 'StorageConflict';
}

/** The database is busy or unreachable; the operation may be retried. */
export class StorageBusy extends StorageError {
  override name = 'StorageBusy';
}

/** Bad search input detected while compiling it (e.g. an unparsable cursor). */
export class StorageBadQuery extends StorageError {
  override name = 'StorageBadQuery';

  /** The search parameter at fault (`_cursor`), for the surface to name. */
  constructor(message: string, readonly parameter?: string) {
    super(message);
  }
}

/** Another process already serves this database, and the engine cannot share it. */
export class StorageInUse extends Error {
  override name = 'StorageInUse';
}
