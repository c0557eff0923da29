/**
 * Kinesis PutRecords adapter for the sink's {@link KinesisPort}.
 */
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisPort } from './deliver-batch.js';

/** Creates the port writing to `streamName`. A failed call throws (the caller re-sends the chunk). */
export function createKinesisPort(kinesis: KinesisClient, streamName: string): KinesisPort {
  return {
    async putRecords(entries) {
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: entries.map((e) => ({ PartitionKey: e.partitionKey, Data: e.data })),
        }),
      );
      const records = out.Records ?? [];
      return entries.map((_, i) => {
        const r = records[i];
        if (!r) return { errorCode: 'MissingResult' };
        return r.ErrorCode ? { errorCode: r.ErrorCode } : {};
      });
    },
  };
}
