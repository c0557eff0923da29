import { STATUS_CODES } from 'node:http';

/** A parsed HTTP status: `"200 OK"` → `{code: 200, reason: "OK", reasonGiven: true}`. */
export interface HttpStatus {
  /** Numeric code (three digits at most), or null when the value holds none (e.g. `""`: no response). */
  readonly code: number | null;
  /** Reason text from the value, else the standard phrase for the code, else null. */
  readonly reason: string | null;
  /** Whether `reason` came from the value (false: from the standard table, or none). */
  readonly reasonGiven: boolean;
}

const STATUS_PATTERN = /^\s*(\d{1,3})(?:\s+(.*?))?\s*$/;

/**
 * Parses an API Connect status code (`"200 OK"`, `"404"`, `500`). A string with no leading code
 * (`""` when the backend was not reached, `"OK"`) keeps its text as the reason with a null code.
 * Returns null only for a value that is neither a string nor a whole number 0–999.
 *
 * @example parseHttpStatus('404') // → { code: 404, reason: 'Not Found', reasonGiven: false }
 */
export function parseHttpStatus(value: unknown): HttpStatus | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 999) return null;
    return { code: value, reason: STATUS_CODES[value] ?? null, reasonGiven: false };
  }
  if (typeof value !== 'string') return null;
  const m = STATUS_PATTERN.exec(value);
  if (!m) {
    const text = value.trim();
    return { code: null, reason: text === '' ? null : text, reasonGiven: text !== '' };
  }
  const code = Number(m[1]);
  const text = m[2];
  return text !== undefined && text !== ''
    ? { code, reason: text, reasonGiven: true }
    : { code, reason: STATUS_CODES[code] ?? null, reasonGiven: false };
}
