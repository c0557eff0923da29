/**
 * Target type `kinesis`: the Pipe puts the enrichment's output into a Kinesis data stream, with the
 * canonical record's `partitionKey` as the partition key. Its CDK side is `kinesis.construct.ts`.
 */
import { z } from 'zod';
import type { TargetKind } from '../types.js';
import { streamFields } from './stream-fields.js';

/** Kinesis partition key path into the enrichment output (the canonical record's `partitionKey`). */
export const KINESIS_PARTITION_KEY_PATH = '$.partitionKey';

/** The `target` block of a Kinesis target. */
export const kinesisTargetSchema = z.strictObject({ type: z.literal('kinesis'), ...streamFields });

/** Kinesis Data Streams. */
export const kinesisTarget: TargetKind<'kinesis', typeof kinesisTargetSchema> = {
  type: 'kinesis',
  schema: kinesisTargetSchema,
  replay: { destination: 'stream', to: 'stream', sinkQueue: false },
  pipeTarget: {
    parameters: { kinesisStreamParameters: { partitionKey: KINESIS_PARTITION_KEY_PATH } },
    grants: ({ arn, keyArn }) => [
      { sid: 'PutToStream', actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [arn] },
      ...(keyArn ? [{ sid: 'EncryptForStream', actions: ['kms:GenerateDataKey'], resources: [keyArn] }] : []),
    ],
  },
  rules: [],
};
