import type { PollResponse } from './poll-partition.js';
import { isOutOfRange } from './poll-start.js';

/** CloudWatch metric names the poller emits (EMF, namespace KafkaPipes, dimensions source + partition). */
export const POLLER_METRICS = {
  recordsRead: 'PollerRecordsRead',
  recordsCommitted: 'PollerRecordsCommitted',
  recordsToDlq: 'PollerRecordsToDlq',
  status503: 'PollerCompletelyFailed',
  status203: 'PollerPartitionLocked',
  lag: 'PollerLag',
  durationMs: 'PollerDurationMs',
  /** Offsets deleted by retention before the poller read them (the committed offset was below the log start). */
  recordsLostToRetention: 'RecordsLostToRetention',
  /** 1 when the committed offset was outside the log and the offset reset policy applied (or failed the poll). */
  offsetOutOfRange: 'PollerOffsetOutOfRange',
} as const;

/**
 * Metric values of one poll: counts, a 1 for a 503 / 203 / out-of-range outcome (alarms sum them), the
 * offsets lost to retention, the lag after the poll (when known) and the duration.
 *
 * @example pollerMetricValues(response) // → { PollerRecordsRead: 300, ..., PollerLag: 1200 }
 */
export function pollerMetricValues(response: PollResponse): Record<string, number> {
  const values: Record<string, number> = {
    [POLLER_METRICS.recordsRead]: response.counts.read,
    [POLLER_METRICS.recordsCommitted]: response.counts.committed,
    [POLLER_METRICS.recordsToDlq]: response.counts.dlq,
    [POLLER_METRICS.status503]: response.statusCode === 503 ? 1 : 0,
    [POLLER_METRICS.status203]: response.statusCode === 203 ? 1 : 0,
    [POLLER_METRICS.durationMs]: response.durationMs,
    [POLLER_METRICS.recordsLostToRetention]: Number(response.reset?.lostToRetention ?? 0),
    [POLLER_METRICS.offsetOutOfRange]: isOutOfRange(response.reset) ? 1 : 0,
  };
  if (response.lag !== null) values[POLLER_METRICS.lag] = Number(response.lag);
  return values;
}
