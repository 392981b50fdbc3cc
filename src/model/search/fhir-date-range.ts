/**
 * FHIR date, dateTime and instant values as the interval their precision denotes (R4 search
 * §3.1.1.4 date, search.html#date: "the precision of the value is taken into account"):
 * `1970` is [1970-01-01, 1971-01-01), `1970-05-05T10:00` is one minute. Epoch milliseconds with
 * `high` exclusive, so a search compiles to interval tests on both the value and the target.
 */
export interface DateRange {
  low: number;
  high: number;
}

/**
 * Open ends of a Period (R4 datatypes §2.24.0.5 Period: "If the start element is missing, the
 * start of the period is not known"): the extremes a JavaScript Date can represent, finite so
 * both databases store them as ordinary doubles.
 */
export const OPEN_LOW_DATE = -8.64e15;
export const OPEN_HIGH_DATE = 8.64e15;

// R4 datatypes §2.24.0.1 (date, dateTime, instant): YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|±hh:mm]]]].
// Search also accepts a time without seconds (search.html#date), so seconds are optional here.
const PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function fhirDateRange(value: string): DateRange | undefined {
  const m = PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  if (year < 1) return undefined;
  if (mo === undefined) return { low: utc(year, 0, 1), high: utc(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (month < 0 || month > 11) return undefined;
  if (d === undefined) return { low: utc(year, month, 1), high: utc(year, month + 1, 1) };
  const day = Number(d);
  if (day < 1 || day > daysIn(year, month)) return undefined;
  if (h === undefined) return { low: utc(year, month, day), high: utc(year, month, day + 1) };

  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  // 60 is allowed for a leap second (R4 dateTime regex `([0-5][0-9]|60)`).
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const offset = tz === undefined ? 0 : offsetMinutes(tz);
  if (offset === undefined) return undefined;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const low = utc(year, month, day, hour, minute, second, ms) - offset * 60_000;
  // The precision is the last unit written: minutes, seconds, or the fraction digits given.
  const width = s === undefined ? 60_000 : frac === undefined ? 1000 : Math.max(1, 10 ** (3 - frac.length));
  return { low, high: low + width };
}

/** No timezone means UTC (the server's convention for search values and zone-less data). */
function offsetMinutes(tz: string): number | undefined {
  if (tz === 'Z') return 0;
  const hours = Number(tz.slice(1, 3));
  const minutes = Number(tz.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return (tz.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month + 1, 1) - 86_400_000).getUTCDate();
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}
