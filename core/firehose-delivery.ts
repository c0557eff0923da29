/**
 * The Firehose PutRecordBatch adapter of the shared delivery loop (core/kinesis-delivery.ts
 * `deliverEntries`): each entry's data is one record (Firehose has no partition key; the stream's
 * `AppendDelimiterToRecord` processor ends each record with a newline in S3). Entries the response marks
 * with an ErrorCode (FailedPutCount > 0) are results the loop re-sends. Runtime code: no aws-cdk-lib.
 */
import type { FirehoseClient, PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import type { DeliveryService } from './delivery-registry.js';
import { RetriableError } from './errors.js';
import { type BatchLimits, MISSING_RESULT_CODE, type SinkPort } from './kinesis-delivery.js';
import { lazySink, once } from './lazy.js';

/**
 * Firehose PutRecordBatch: at most 500 records, each at most 1,000 KiB before base64 encoding, and 4 MiB
 * for the whole request (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html).
 */
export const FIREHOSE_BATCH_MAX_RECORDS = 500;
export const FIREHOSE_RECORD_MAX_BYTES = 1_024_000;
export const FIREHOSE_REQUEST_MAX_BYTES = 4_194_304;

/** The limits of one PutRecordBatch call: record data only (Firehose has no partition keys). */
export const PUT_RECORD_BATCH_LIMITS: BatchLimits = {
  maxRecords: FIREHOSE_BATCH_MAX_RECORDS,
  maxBytes: FIREHOSE_REQUEST_MAX_BYTES,
  countsPartitionKeys: false,
  maxRecordBytes: FIREHOSE_RECORD_MAX_BYTES,
};

/** The Firehose SDK package, loaded on the first PutRecordBatch (core/lazy.ts). */
const firehoseSdk = once(() => import('@aws-sdk/client-firehose'));

/**
 * Firehose PutRecordBatch adapter. A failed call throws a RetriableError whose `cause` is the SDK error;
 * per-record failures are results (a missing result is reported as {@link MISSING_RESULT_CODE}).
 */
export function createFirehoseSink(firehose: FirehoseClient, deliveryStreamName: string): SinkPort {
  return {
    limits: PUT_RECORD_BATCH_LIMITS,
    async putRecords(entries, options) {
      let out: PutRecordBatchCommandOutput;
      try {
        const { PutRecordBatchCommand } = await firehoseSdk();
        out = await firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: deliveryStreamName,
            Records: entries.map((e) => ({ Data: e.data })),
          }),
          options?.abortSignal ? { abortSignal: options.abortSignal } : {},
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

/** Firehose as a delivery service (core/delivery-registry.ts): the stream of POLLER_CONFIG `deliveryStreamName`. */
export const firehoseDelivery: DeliveryService<'firehose'> = {
  type: 'firehose',
  configField: 'deliveryStreamName',
  limits: PUT_RECORD_BATCH_LIMITS,
  sink: (clients, name) =>
    lazySink(PUT_RECORD_BATCH_LIMITS, async () => createFirehoseSink(await clients.firehose(), name)),
};
