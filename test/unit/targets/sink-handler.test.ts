/**
 * The sink Lambda under either invocation the Pipe may use for a Kafka source (docs/sources.md, "Lambda
 * target: synchronous or asynchronous"): a batch it cannot write is never acknowledged. The handler's
 * invocation fails with the error, so a synchronous caller (the Pipe) sees a failed target invocation and
 * retries the batch (offsets stay uncommitted), and an asynchronous one goes to Lambda's retries and then the
 * on-failure destination (target DLQ). A batch it writes returns only after every record was acknowledged.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RetriableError } from '../../../core/errors.js';

type Handler = (event: unknown) => Promise<{ delivered: number }>;
let handler: Handler;

beforeAll(async () => {
  vi.stubEnv('STREAM_NAME', 'data-lake-dev');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  ({ handler } = (await import('../../../targets/sink-handler.js')) as { handler: Handler });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const batch = [
  { eventId: 'a', partitionKey: 'k1' },
  { eventId: 'b', partitionKey: 'k2' },
];

describe('sink handler: a batch it cannot write fails the invocation', () => {
  it('rejects when Kinesis keeps rejecting an entry, naming how many records were not written', async () => {
    // Arrange: the second entry is throttled on every attempt.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const send = vi.spyOn(KinesisClient.prototype, 'send').mockImplementation(async (command) => {
      const records = (command.input as { Records: { PartitionKey: string }[] }).Records;
      return {
        FailedRecordCount: records.filter((r) => r.PartitionKey === 'k2').length,
        Records: records.map((r) =>
          r.PartitionKey === 'k2'
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        ),
      } as never;
    });
    // Act
    const result = handler(batch);
    // Assert
    await expect(result).rejects.toThrow(RetriableError);
    await expect(result).rejects.toThrow(
      '1 of 2 records were not written to the stream after 4 attempts (ProvisionedThroughputExceededException)',
    );
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('rejects when the PutRecords call itself fails', async () => {
    // Arrange
    vi.spyOn(Math, 'random').mockReturnValue(0);
    vi.spyOn(KinesisClient.prototype, 'send').mockRejectedValue(new Error('socket hang up') as never);
    // Act / Assert
    await expect(handler(batch)).rejects.toThrow(RetriableError);
  });

  it('returns the delivered count only when every record was acknowledged', async () => {
    // Arrange
    vi.spyOn(KinesisClient.prototype, 'send').mockImplementation(
      async (command) =>
        ({
          FailedRecordCount: 0,
          Records: (command.input as { Records: unknown[] }).Records.map(() => ({ SequenceNumber: '1' })),
        }) as never,
    );
    // Act / Assert
    await expect(handler(batch)).resolves.toEqual({ delivered: 2 });
  });
});
