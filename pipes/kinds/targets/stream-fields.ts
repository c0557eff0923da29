/**
 * The `target` fields of every target type that lands records in a data-lake Kinesis stream (directly, or
 * through the sink Lambda): the stream name, the partition key and the shard count.
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../../source-limits.js';
import type { TargetKind } from '../types.js';

const PARTITION_KEY_PATTERN = /^(record-key|topic-partition|field:[A-Za-z0-9_.[\]-]+)$/;

const partitionKeySchema = z
  .string()
  .regex(PARTITION_KEY_PATTERN)
  .meta({ description: "'record-key' | 'topic-partition' | 'field:<dotted.path>' into the record value." });

/** `streamName`, `partitionKey`, `shards`. */
export const streamFields = {
  streamName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,128}$/)
    .optional()
    .meta({
      description: 'Stream name; sources naming the same stream share it. Default: generated per source.',
    }),
  partitionKey: partitionKeySchema.default(DEFAULTS.partitionKey),
  shards: z
    .number()
    .int()
    .min(LIMITS.SHARDS_MIN)
    .max(LIMITS.SHARDS_MAX)
    .optional()
    .meta({ description: 'Provisioned shard count. Absent = on-demand.' }),
};

/**
 * How the poller writes the data-lake stream (core/kinesis-delivery.ts PutRecords): `kinesis:PutRecords` on
 * the stream, and `kms:GenerateDataKey` on its key when it has a customer managed one.
 */
export const streamPollerDelivery: TargetKind['pollerDelivery'] = {
  configField: 'streamName',
  grants: ({ arn, keyArn }) => [
    { sid: 'PutRecords', actions: ['kinesis:PutRecords'], resources: [arn] },
    ...(keyArn
      ? [{ sid: 'EncryptStreamRecords', actions: ['kms:GenerateDataKey'], resources: [keyArn] }]
      : []),
  ],
};
