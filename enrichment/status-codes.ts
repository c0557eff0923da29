import { STATUS_CODES } from 'node:http';

/** A parsed HTTP status: `"200 OK"` → `{code: 200, reason: "OK"}`. */
export interface HttpStatus {
  /** Numeric code, 100–599. */
  readonly code: number;
  /** Reason text from the value, else the standard phrase for the code, else null. */
  readonly reason: string | null;
}

const STATUS_PATTERN = /^\s*([1-5]\d\d)(?:\s+(.*?))?\s*$/;

/**
 * Parses an API Connect status code (`"200 OK"`, `"404"`, `500`).
 * Returns null when the value is not a status code.
 *
 * @example parseHttpStatus('404') // → { code: 404, reason: 'Not Found' }
 */
export function parseHttpStatus(value: unknown): HttpStatus | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 100 || value > 599) return null;
    return { code: value, reason: STATUS_CODES[value] ?? null };
  }
  if (typeof value !== 'string') return null;
  const m = STATUS_PATTERN.exec(value);
  if (!m) return null;
  const code = Number(m[1]);
  const text = m[2];
  return { code, reason: text !== undefined && text !== '' ? text : (STATUS_CODES[code] ?? null) };
}
