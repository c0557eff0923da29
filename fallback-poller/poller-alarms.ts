/**
 * The alarms of a fallback poller (FallbackPoller construct): 503 answers, 203 streaks, records waiting
 * in its enrichment DLQ, consumer lag, committed offsets outside the log, records lost to retention, failed
 * executions, and state machine starts the schedule could not
 * make (its DLQ) or lost (dropped, or not delivered to its DLQ). The poller metrics are those the handler
 * emits (fallback-poller/metrics.ts), dimensions `{service: fallback-poller, source}`; the Scheduler's are
 * in `AWS/Scheduler` by schedule group (the poller's schedule is alone in its group).
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { POLLER_METRICS } from './metrics.js';

/** What the alarms watch and where they notify. */
export interface PollerAlarmsSpec {
  readonly sourceName: string;
  readonly stateMachine: StateMachine;
  readonly enrichmentDlq: IQueue;
  /** The schedule's DLQ: starts that failed after the retries. */
  readonly scheduleDlq: IQueue;
  /** The schedule group holding only this poller's schedule. */
  readonly scheduleGroup: IScheduleGroup;
  /** Lag (records) above which the lag alarm fires (default 100,000). */
  readonly lagAlarmThreshold?: number;
  /** Consecutive minutes with a 203 (partition locked) answer before the alarm fires (default 5). */
  readonly lockedStreakMinutes?: number;
  readonly alarmTopic?: ITopic;
}

interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metric: IMetric;
  readonly threshold: number;
  readonly periods: number;
}

function pollerMetric(name: string, statistic: string, period: Duration, sourceName: string): Metric {
  return new Metric({
    namespace: 'KafkaPipes',
    metricName: name,
    dimensionsMap: { service: 'fallback-poller', source: sourceName },
    statistic,
    period,
  });
}

/** The alarms on the poller's metrics and its DLQ, each breaching in every one of its periods. */
function metricAlarmSpecs(spec: PollerAlarmsSpec): AlarmSpec[] {
  const { sourceName } = spec;
  const streak = spec.lockedStreakMinutes ?? 5;
  const lagThreshold = spec.lagAlarmThreshold ?? 100_000;
  return [
    {
      id: 'CompletelyFailedAlarm',
      description: `${sourceName}: a poll found records and delivered none (503)`,
      metric: pollerMetric(POLLER_METRICS.status503, 'Sum', Duration.minutes(5), sourceName),
      threshold: 1,
      periods: 1,
    },
    {
      id: 'LockedStreakAlarm',
      description: `${sourceName}: a partition answered 203 (locked by another reader) ${streak} minutes in a row`,
      metric: pollerMetric(POLLER_METRICS.status203, 'Sum', Duration.minutes(1), sourceName),
      threshold: 1,
      periods: streak,
    },
    {
      id: 'EnrichmentDlqDepthAlarm',
      description: `${sourceName}: records the enrichment could not normalize are waiting in the poller's DLQ`,
      metric: spec.enrichmentDlq.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      periods: 1,
    },
    {
      id: 'OffsetOutOfRangeAlarm',
      description: `${sourceName}: a committed offset was outside the log (topic recreated or truncated, or records deleted unread); the offset reset policy applied`,
      metric: pollerMetric(POLLER_METRICS.offsetOutOfRange, 'Sum', Duration.minutes(5), sourceName),
      threshold: 1,
      periods: 1,
    },
    {
      id: 'RecordsLostToRetentionAlarm',
      description: `${sourceName}: records were deleted by the topic's retention before the poller read them`,
      metric: pollerMetric(POLLER_METRICS.recordsLostToRetention, 'Sum', Duration.minutes(5), sourceName),
      threshold: 1,
      periods: 1,
    },
    {
      id: 'LagAlarm',
      description: `${sourceName}: consumer lag above ${lagThreshold} records for 15 minutes`,
      metric: pollerMetric(POLLER_METRICS.lag, 'Maximum', Duration.minutes(5), sourceName),
      threshold: lagThreshold,
      periods: 3,
    },
    ...scheduleAlarmSpecs(spec),
  ];
}

/**
 * Starts the schedule could not make: in its DLQ after the retries, or lost (dropped, or not delivered to
 * the DLQ). EventBridge Scheduler metrics: `InvocationDroppedCount`, `InvocationsFailedToBeSentToDeadLetterCount`.
 */
function scheduleAlarmSpecs(spec: PollerAlarmsSpec): AlarmSpec[] {
  const period = Duration.minutes(5);
  return [
    {
      id: 'ScheduleDlqDepthAlarm',
      description: `${spec.sourceName}: the schedule could not start the poller state machine (see its schedule DLQ)`,
      metric: spec.scheduleDlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
      threshold: 1,
      periods: 1,
    },
    {
      id: 'ScheduleLostStartsAlarm',
      description: `${spec.sourceName}: the schedule dropped a start, or could not put it in its DLQ`,
      metric: new MathExpression({
        expression: 'FILL(dropped, 0) + FILL(notInDlq, 0)',
        usingMetrics: {
          dropped: spec.scheduleGroup.metricDropped({ statistic: 'Sum', period }),
          notInDlq: spec.scheduleGroup.metricFailedToBeSentToDLQ(undefined, { statistic: 'Sum', period }),
        },
        label: 'Schedule starts lost',
        period,
      }),
      threshold: 1,
      periods: 1,
    },
  ];
}

/** Creates the poller's alarms in `scope` (their ids are fixed: they name the alarm resources). */
export function createPollerAlarms(scope: Construct, spec: PollerAlarmsSpec): Alarm[] {
  const alarms = metricAlarmSpecs(spec).map(
    (s) =>
      new Alarm(scope, s.id, {
        alarmDescription: s.description,
        metric: s.metric,
        threshold: s.threshold,
        evaluationPeriods: s.periods,
        datapointsToAlarm: s.periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
  );
  alarms.push(
    new Alarm(scope, 'ExecutionsFailedAlarm', {
      alarmDescription: `${spec.sourceName}: a poller state machine execution failed`,
      metric: spec.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
  );
  if (spec.alarmTopic) {
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(spec.alarmTopic));
  }
  return alarms;
}
