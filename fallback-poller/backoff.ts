import { BACKOFF_BASE_MS, BACKOFF_MAX_MS } from './constants.js';

/** Exponential backoff settings. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Default backoff: 100 ms doubling, capped at 5 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS };

/**
 * Delay before retry number `retry` (1 = first retry) with "full jitter":
 * uniform in [0, min(maxMs, baseMs · 2^(retry-1))). `random` returns a number in [0, 1).
 *
 * @example backoffDelayMs(3, { baseMs: 100, maxMs: 5000 }, () => 0.5) // → 200
 */
export function backoffDelayMs(
  retry: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be an integer >= 1, received ${retry}`);
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
