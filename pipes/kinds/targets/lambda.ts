/**
 * Target type `lambda`: the Pipe invokes the sink Lambda FIRE_AND_FORGET (asynchronously); the sink writes
 * the data-lake stream, and batches it cannot deliver after the async retries land in the target DLQ.
 * Its CDK side (sink Lambda, async invoke config, DLQ) is `lambda.construct.ts`.
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../../source-limits.js';
import type { GrantSpec, TargetKind } from '../types.js';
import { streamFields, streamPollerDelivery } from './stream-fields.js';

/** The `target` block of a Lambda (FIRE_AND_FORGET sink) target. */
export const lambdaTargetSchema = z.strictObject({
  type: z.literal('lambda'),
  ...streamFields,
  retryAttempts: z
    .number()
    .int()
    .min(LIMITS.RETRY_ATTEMPTS_MIN)
    .max(LIMITS.RETRY_ATTEMPTS_MAX)
    .default(DEFAULTS.retryAttempts)
    .meta({ description: 'Async invoke retries before the DLQ (0-2).' }),
  maxEventAgeSeconds: z
    .number()
    .int()
    .min(LIMITS.MAX_EVENT_AGE_SECONDS_MIN)
    .max(LIMITS.MAX_EVENT_AGE_SECONDS_MAX)
    .default(DEFAULTS.maxEventAgeSeconds)
    .meta({ description: 'Max age of an async event before the DLQ (60-21600 s).' }),
});

/**
 * Lambda Invoke: an asynchronous invocation's payload is at most 1 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). The Pipe sends the enrichment's whole JSON
 * array as one payload; its maximum batch size for a Lambda target is the source's (customer defined).
 */
export const LAMBDA_ASYNC_PAYLOAD_MAX_BYTES = 1_048_576;
/** The sink writes each record to Kinesis: 1 MiB with its partition key (PutRecords). */
const SINK_RECORD_MAX_BYTES = 1_048_576;

/** FIRE_AND_FORGET sink Lambda. */
export const lambdaTarget: TargetKind<'lambda', typeof lambdaTargetSchema> = {
  type: 'lambda',
  schema: lambdaTargetSchema,
  replay: { destination: 'stream', to: 'function', sinkQueue: true },
  usesStream: true,
  pollerDelivery: streamPollerDelivery,
  pipeTarget: {
    parameters: { lambdaFunctionParameters: { invocationType: 'FIRE_AND_FORGET' } },
    grants: ({ arn }) => [{ sid: 'InvokeSink', actions: ['lambda:InvokeFunction'], resources: [arn] }],
  },
  limits: {
    maxRecords: LIMITS.BATCH_SIZE_MAX,
    maxRecordBytes: SINK_RECORD_MAX_BYTES,
    maxPayloadBytes: LAMBDA_ASYNC_PAYLOAD_MAX_BYTES,
  },
  rules: [],
};

/** The sink function's grants: `kinesis:PutRecords` on the stream and `kms:GenerateDataKey` on its key. */
export function sinkGrants(stream: { readonly arn: string; readonly keyArn?: string }): GrantSpec[] {
  return [
    { sid: 'PutToStream', actions: ['kinesis:PutRecords'], resources: [stream.arn] },
    ...(stream.keyArn
      ? [{ sid: 'EncryptForStream', actions: ['kms:GenerateDataKey'], resources: [stream.keyArn] }]
      : []),
  ];
}

/** The grants of the sink's on-failure destination: `sqs:SendMessage` and the queue's KMS data key. */
export function sinkDlqGrants(queue: { readonly arn: string; readonly keyArn: string }): GrantSpec[] {
  return [
    { sid: 'SendToTargetDlq', actions: ['sqs:SendMessage'], resources: [queue.arn] },
    {
      sid: 'EncryptForTargetDlq',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [queue.keyArn],
    },
  ];
}
