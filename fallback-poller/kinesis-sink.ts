import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { RetriableError } from '../core/errors.js';
import type { SinkEntry } from './batching.js';

/** Result of one entry of a PutRecords call: absent errorCode = acknowledged. */
export interface SinkEntryResult {
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Kinesis port: one PutRecords call (≤ 500 entries, ≤ 5 MiB); results aligned with the entries. */
export interface SinkPort {
  putRecords(entries: readonly SinkEntry[]): Promise<SinkEntryResult[]>;
}

/** Kinesis PutRecords adapter. A failed call throws RetriableError; per-entry failures are results. */
export function createKinesisSink(kinesis: KinesisClient, streamName: string): SinkPort {
  return {
    async putRecords(entries) {
      try {
        const out = await kinesis.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: entries.map((e) => ({ PartitionKey: e.partitionKey, Data: e.data })),
          }),
        );
        const records = out.Records ?? [];
        return entries.map((_, i) => {
          const r = records[i];
          if (!r) return { errorCode: 'MissingResult', errorMessage: 'no result for entry' };
          return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' } : {};
        });
      } catch (error) {
        throw new RetriableError(`kinesis PutRecords to ${streamName} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}
