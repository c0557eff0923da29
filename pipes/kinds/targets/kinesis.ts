/**
 * Target type `kinesis`: the Pipe puts the enrichment's output into a Kinesis data stream, with the
 * canonical record's `partitionKey` as the partition key. Its CDK side is `kinesis.construct.ts`.
 */
import { z } from 'zod';
import { targetBatchSizeRule } from '../rule-helpers.js';
import type { TargetKind } from '../types.js';
import { streamFields, streamPollerDelivery } from './stream-fields.js';

/** Kinesis partition key path into the enrichment output (the canonical record's `partitionKey`). */
export const KINESIS_PARTITION_KEY_PATH = '$.partitionKey';

/** The `target` block of a Kinesis target. */
export const kinesisTargetSchema = z.strictObject({ type: z.literal('kinesis'), ...streamFields });

/** The most records a Pipe delivers to a Kinesis stream target in one batch. */
export const KINESIS_TARGET_BATCH_MAX = 500;
/**
 * Kinesis PutRecords: each record up to 1 MiB, the request up to 5 MiB including partition keys
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
 */
export const KINESIS_RECORD_MAX_BYTES = 1_048_576;
export const KINESIS_REQUEST_MAX_BYTES = 5_242_880;

const batchSizeRule = targetBatchSizeRule(
  'kinesis-target-batch-size',
  KINESIS_TARGET_BATCH_MAX,
  'a Kinesis stream target',
);

/** Kinesis Data Streams. */
export const kinesisTarget: TargetKind<'kinesis', typeof kinesisTargetSchema> = {
  type: 'kinesis',
  schema: kinesisTargetSchema,
  replay: { destination: 'stream', to: 'stream', sinkQueue: false },
  usesStream: true,
  pollerDelivery: streamPollerDelivery,
  pipeTarget: {
    parameters: { kinesisStreamParameters: { partitionKey: KINESIS_PARTITION_KEY_PATH } },
    grants: ({ arn, keyArn }) => [
      { sid: 'PutToStream', actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [arn] },
      ...(keyArn ? [{ sid: 'EncryptForStream', actions: ['kms:GenerateDataKey'], resources: [keyArn] }] : []),
    ],
  },
  limits: {
    maxRecords: KINESIS_TARGET_BATCH_MAX,
    maxRecordBytes: KINESIS_RECORD_MAX_BYTES,
    maxRequestBytes: KINESIS_REQUEST_MAX_BYTES,
  },
  rules: [batchSizeRule],
};
