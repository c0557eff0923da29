/**
 * The CDK side of the `lambda` target: the sink Lambda (writes the data-lake stream), invoked
 * FIRE_AND_FORGET by the Pipe, with its async retries and max event age from the source and an on-failure
 * SQS destination (the target DLQ) granted exactly `sqs:SendMessage` and the queue key.
 */
import { Duration } from 'aws-cdk-lib';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { toPolicyStatement } from '../../grant-statement.construct.js';
import { sinkExternals } from '../../lambda-externals.js';
import { KindPipeTarget } from '../../pipe-targets.construct.js';
import type { TargetConstruct } from '../targets.construct.js';
import { lambdaTarget, sinkDlqGrants, sinkGrants } from './lambda.js';

/** Sink Lambda memory / timeout. */
export const SINK_MEMORY_MB = 256;
export const SINK_TIMEOUT_SECONDS = 120;

/** On-failure destination granting exactly `sqs:SendMessage` (+ KMS data key) — no wildcard actions. */
class QueueFailureDestination implements IDestination {
  constructor(private readonly queue: { readonly arn: string; readonly keyArn: string }) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    for (const grant of sinkDlqGrants(this.queue)) fn.addToRolePolicy(toPolicyStatement(grant));
    return { destination: this.queue.arn };
  }
}

/** The sink Lambda, its DLQ and the FIRE_AND_FORGET target. */
export const lambdaTargetConstruct: TargetConstruct = {
  kind: lambdaTarget,
  build: (ctx) => {
    const { source, environment, stream } = ctx;
    if (source.target.type !== lambdaTarget.type)
      throw new Error(`source ${source.name} is not a lambda target`);
    if (!stream)
      throw new Error(`source ${source.name}: the sink writes the data-lake stream, which is missing`);
    const targetDlq = ctx.dlq('TargetDlq');
    const sinkFunction = ctx.lambda('Sink', {
      entry: ctx.sinkEntry,
      memorySize: SINK_MEMORY_MB,
      timeoutSeconds: SINK_TIMEOUT_SECONDS,
      description: `Writes ${source.name} (${environment}) records to the data-lake stream`,
      environment: { STREAM_NAME: stream.streamName, POWERTOOLS_SERVICE_NAME: 'kafka-pipes-sink' },
      external: sinkExternals(source),
    });
    const streamRef = {
      arn: stream.streamArn,
      ...(stream.encryptionKey ? { keyArn: stream.encryptionKey.keyArn } : {}),
    };
    for (const grant of sinkGrants(streamRef)) sinkFunction.addToRolePolicy(toPolicyStatement(grant));
    sinkFunction.configureAsyncInvoke({
      retryAttempts: source.target.retryAttempts,
      maxEventAge: Duration.seconds(source.target.maxEventAgeSeconds),
      onFailure: new QueueFailureDestination({ arn: targetDlq.queueArn, keyArn: ctx.dataKey.keyArn }),
    });
    return { target: new KindPipeTarget(lambdaTarget, sinkFunction.functionArn), sinkFunction, targetDlq };
  },
};
