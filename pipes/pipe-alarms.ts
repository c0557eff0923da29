/**
 * The alarms of one Pipe source: its enrichment DLQ depth, the Pipe's failed, partially failed, throttled
 * and timed-out executions (metrics of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html), the enrichment's
 * errors and throttles, and for a lambda target the sink's DLQ depth, errors and throttles. Each fires on
 * any value above 0 in a 5-minute period and notifies the alarm topic if any.
 *
 * For Kafka sources the Pipes error-handling page
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html) says
 * target errors are retried like internal errors, until the record expires in the source; a Kafka source
 * has no pipe DLQ. Whether a target's partial failure (e.g. Firehose `FailedPutCount` > 0) counts as a
 * failed or a partially failed execution is not documented, so both are alarmed.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { KafkaPipe } from './kafka-pipe.construct.js';

/** Alarm period. */
export const ALARM_PERIOD_MINUTES = 5;

/** The alarms of one Pipe source, by id. */
export function createSourceAlarms(pipe: KafkaPipe, topic?: ITopic): Record<string, Alarm> {
  const alarms: Record<string, Alarm> = {};
  const period = Duration.minutes(ALARM_PERIOD_MINUTES);
  const alarm = (id: string, metric: IMetric, description: string) => {
    const a = new Alarm(pipe, `${id}Alarm`, {
      alarmName: `${pipe.resourcePrefix}-${id}`,
      alarmDescription: description,
      metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (topic) a.addAlarmAction(new SnsAction(topic));
    alarms[id] = a;
  };
  const depth = (q: Queue) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period });
  alarm(
    'EnrichmentDlqDepth',
    depth(pipe.enrichmentDlq),
    'Records the enrichment could not normalize are waiting in its DLQ',
  );
  alarm(
    'PipeExecutionFailed',
    pipe.pipeMetric('ExecutionFailed'),
    'Pipe executions failed (a Kafka source retries the batch until its records expire in the topic)',
  );
  alarm(
    'PipeExecutionPartiallyFailed',
    pipe.pipeMetric('ExecutionPartiallyFailed'),
    'Pipe executions partially failed (e.g. the target rejected some records of the batch)',
  );
  alarm('PipeExecutionThrottled', pipe.pipeMetric('ExecutionThrottled'), 'Pipe executions were throttled');
  alarm('PipeExecutionTimeout', pipe.pipeMetric('ExecutionTimeout'), 'Pipe executions timed out');
  alarm(
    'EnrichmentErrors',
    pipe.enrichmentFunction.metricErrors({ period }),
    'Enrichment Lambda errors (the Pipe retries the batch)',
  );
  alarm(
    'EnrichmentThrottles',
    pipe.enrichmentFunction.metricThrottles({ period }),
    'Enrichment Lambda throttles',
  );
  if (pipe.sinkFunction && pipe.targetDlq) {
    alarm('TargetDlqDepth', depth(pipe.targetDlq), 'Batches the sink could not deliver after async retries');
    alarm(
      'SinkErrors',
      pipe.sinkFunction.metricErrors({ period }),
      'Sink Lambda errors (async retries follow)',
    );
    alarm('SinkThrottles', pipe.sinkFunction.metricThrottles({ period }), 'Sink Lambda throttles');
  }
  return alarms;
}
