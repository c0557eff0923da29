/**
 * Target type `lambda`: the Pipe invokes the sink Lambda FIRE_AND_FORGET (asynchronously); the sink writes
 * the data-lake stream, and batches it cannot deliver after the async retries land in the target DLQ.
 * Its CDK side (sink Lambda, async invoke config, DLQ) is `lambda.construct.ts`.
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../../source-limits.js';
import type { GrantSpec, TargetKind } from '../types.js';
import { streamFields } from './stream-fields.js';

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

/** FIRE_AND_FORGET sink Lambda. */
export const lambdaTarget: TargetKind<'lambda', typeof lambdaTargetSchema> = {
  type: 'lambda',
  schema: lambdaTargetSchema,
  replay: { destination: 'stream', to: 'function', sinkQueue: true },
  pipeTarget: {
    parameters: { lambdaFunctionParameters: { invocationType: 'FIRE_AND_FORGET' } },
    grants: ({ arn }) => [{ sid: 'InvokeSink', actions: ['lambda:InvokeFunction'], resources: [arn] }],
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
