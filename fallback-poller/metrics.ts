import type { PollResponse } from './poll-partition.js';

/** CloudWatch metric names the poller emits (EMF, namespace KafkaPipes, dimensions source + partition). */
export const POLLER_METRICS = {
  recordsRead: 'PollerRecordsRead',
  recordsCommitted: 'PollerRecordsCommitted',
  recordsToDlq: 'PollerRecordsToDlq',
  status503: 'PollerCompletelyFailed',
  status203: 'PollerPartitionLocked',
  lag: 'PollerLag',
  durationMs: 'PollerDurationMs',
} as const;

/**
 * Metric values of one poll: counts, a 1 for a 503 / 203 outcome (alarms sum them), the lag after the
 * poll (when known) and the duration.
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
  };
  if (response.lag !== null) values[POLLER_METRICS.lag] = Number(response.lag);
  return values;
}
