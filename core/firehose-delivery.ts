/**
 * The Firehose PutRecordBatch adapter of the shared delivery loop (core/kinesis-delivery.ts
 * `deliverEntries`): each entry's data is one record (Firehose has no partition key; the stream's
 * `AppendDelimiterToRecord` processor ends each record with a newline in S3). Entries the response marks
 * with an ErrorCode (FailedPutCount > 0) are results the loop re-sends. Runtime code: no aws-cdk-lib.
 */
import {
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import { PUT_RECORD_BATCH_LIMITS as LIMITS } from '../pipes/kinds/targets/firehose.js';
import { RetriableError } from './errors.js';
import { type BatchLimits, MISSING_RESULT_CODE, type SinkPort } from './kinesis-delivery.js';

/** Firehose PutRecordBatch: 500 records, 1,000 KiB per record and 4 MiB per call (no partition keys). */
export const PUT_RECORD_BATCH_LIMITS: BatchLimits = LIMITS;

/**
 * Firehose PutRecordBatch adapter. A failed call throws a RetriableError whose `cause` is the SDK error;
 * per-record failures are results (a missing result is reported as {@link MISSING_RESULT_CODE}).
 */
export function createFirehoseSink(firehose: FirehoseClient, deliveryStreamName: string): SinkPort {
  return {
    limits: PUT_RECORD_BATCH_LIMITS,
    async putRecords(entries) {
      let out: PutRecordBatchCommandOutput;
      try {
        out = await firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: deliveryStreamName,
            Records: entries.map((e) => ({ Data: e.data })),
          }),
        );
      } catch (error) {
        throw new RetriableError(
          `firehose PutRecordBatch to ${deliveryStreamName} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const responses = out.RequestResponses ?? [];
      return entries.map((_, i) => {
        const r = responses[i];
        if (!r) return { errorCode: MISSING_RESULT_CODE, errorMessage: 'no result for record' };
        return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' } : {};
      });
    },
  };
}
