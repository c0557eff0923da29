const DATETIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const CANONICAL_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by the ASCII digits `text[from..to)` (the caller has checked they are digits). */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

// The text up to the milliseconds of the last second formatted: records of a partition mostly carry
// timestamps of the same second, so most take the prefix as is and add their milliseconds.
let cachedSecond = -1;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()` for epoch milliseconds within the accepted range (`2023-11-14T22:13:20.000Z`).
 */
function isoOfEpochMs(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Earliest and latest accepted instants (years 1970–9999) in epoch milliseconds. */
const MIN_EPOCH_MS = 0;
const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * Normalizes a date-time to ISO-8601 UTC with milliseconds (`2022-01-03T16:00:00.000Z`).
 * Accepts ISO-8601 / RFC 3339 strings (`T` or space separator, optional fraction, `Z` or an offset;
 * no zone means UTC) and epoch milliseconds as a number. Returns null for anything else.
 *
 * @example toIsoUtc('2022-01-03 16:00:00') // → '2022-01-03T16:00:00.000Z'
 */
export function toIsoUtc(value: unknown): string | null {
  // Fast path: already canonical (what API Connect writes): shape, ranges and day-of-month checked
  // without building a Date.
  if (typeof value === 'string' && value.length === 24 && CANONICAL_PATTERN.test(value)) {
    const year = digits(value, 0, 4);
    const month = digits(value, 5, 7);
    const day = digits(value, 8, 10);
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth(year, month) &&
      digits(value, 11, 13) <= 23 &&
      digits(value, 14, 16) <= 59 &&
      digits(value, 17, 19) <= 59
    ) {
      return value;
    }
  }
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    ms = Math.trunc(value);
    return ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS ? null : isoOfEpochMs(ms);
  } else if (typeof value === 'string') {
    const m = DATETIME_PATTERN.exec(value.trim());
    if (!m) return null;
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const hour = Number(h);
    const minute = Number(mi);
    const second = Number(s);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
      return null;
    const millis = frac === '' ? 0 : Math.trunc(Number(`${frac}000`.slice(0, 3)));
    ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
    // Date.UTC rolls 31 Feb over to March: reject dates that do not exist.
    if (new Date(ms).getUTCDate() !== day) return null;
    if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offH = Number(digits.slice(0, 2));
      const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (offH > 23 || offM > 59) return null;
      ms -= sign * (offH * 60 + offM) * 60_000;
    }
  } else {
    return null;
  }
  return ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS ? null : isoOfEpochMs(ms);
}
