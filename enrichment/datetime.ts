const DATETIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const CANONICAL_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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
    const year = Number(value.slice(0, 4));
    const month = Number(value.slice(5, 7));
    const day = Number(value.slice(8, 10));
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth(year, month) &&
      Number(value.slice(11, 13)) <= 23 &&
      Number(value.slice(14, 16)) <= 59 &&
      Number(value.slice(17, 19)) <= 59
    ) {
      return value;
    }
  }
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    ms = Math.trunc(value);
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
  if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return null;
  return new Date(ms).toISOString();
}
