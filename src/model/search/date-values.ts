import { fhirDateRange, OPEN_HIGH_DATE, OPEN_LOW_DATE, type DateRange } from './fhir-date-range.js';
import type { TypedValue } from './typed-value.js';

/**
 * The intervals a date search parameter matches in one element (R4 search §3.1.1.4 date,
 * search.html#date): a date/dateTime/instant is the interval of its precision; a Period runs
 * from its start to the end of its end, a missing end being open ("the period is ongoing",
 * R4 datatypes Period); a Timing contributes each of its `event` times.
 */
export function dateValues(node: TypedValue): DateRange[] {
  const v = node.value;
  switch (node.type) {
    case 'Period': {
      const period = v as { start?: unknown; end?: unknown };
      const start = typeof period.start === 'string' ? fhirDateRange(period.start) : undefined;
      const end = typeof period.end === 'string' ? fhirDateRange(period.end) : undefined;
      if (!start && !end) return [];
      return [{ low: start?.low ?? OPEN_LOW_DATE, high: end?.high ?? OPEN_HIGH_DATE }];
    }
    case 'Timing': {
      const events = (v as { event?: unknown }).event;
      return Array.isArray(events) ? events.flatMap((e) => rangeOf(e)) : [];
    }
    case 'date': case 'dateTime': case 'instant': return rangeOf(v);
    default: return [];
  }
}

/** Other types a choice can hold here (performedString, performedAge) are not points in time. */
function rangeOf(value: unknown): DateRange[] {
  const range = typeof value === 'string' ? fhirDateRange(value) : undefined;
  return range ? [range] : [];
}
