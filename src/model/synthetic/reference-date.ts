/**
 * Synthetic dates are computed back from one fixed instant, never from the wall clock, so the
 * same seed gives byte-identical data on any day. Charts look "recent" relative to it.
 */
export const REFERENCE_DATE = Date.UTC(2026, 0, 1);

const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** The instant `days` days and `minutes` minutes before the reference date. */
export const daysBefore = (days: number, minutes = 0): number => REFERENCE_DATE - days * DAY + minutes * MINUTE;

export const addMinutes = (instant: number, minutes: number): number => instant + minutes * MINUTE;

/** FHIR `date` (YYYY-MM-DD). */
export const fhirDate = (instant: number): string => new Date(instant).toISOString().slice(0, 10);

/** FHIR `dateTime` / `instant` at whole-second precision, in UTC. */
export const fhirDateTime = (instant: number): string => `${new Date(instant).toISOString().slice(0, 19)}Z`;
