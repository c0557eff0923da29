/**
 * The local Pipe runner's Firehose target (devkit/local/wiring.ts `firehoseTarget`) over a fake client:
 * one PutRecordBatch per batch, and a failed call or a response with FailedPutCount > 0 fails the whole
 * batch at once (no re-send inside the target), so the runner retries the batch whole
 * (test/integration/local-pipe-runner.test.ts) and commits nothing meanwhile.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { firehoseTarget } from '../../../devkit/local/wiring.js';
import type { CanonicalRecord } from '../../../enrichment/index.js';

type PutInput = { DeliveryStreamName: string; Records: { Data: Uint8Array }[] };

/** A FirehoseClient whose `send` answers with `answer` (or throws what it throws) and records the inputs. */
function fakeClient(answer: (input: PutInput) => unknown) {
  const inputs: PutInput[] = [];
  const client = {
    async send(command: { input: PutInput }) {
      inputs.push(command.input);
      return answer(command.input);
    },
  } as unknown as FirehoseClient;
  return { client, inputs };
}

/** `n` canonical records (only what the target reads: the partition key, and the JSON written). */
const records = (n: number): CanonicalRecord[] =>
  Array.from(
    { length: n },
    (_, i) => ({ partitionKey: `k${i}`, eventId: `e${i}` }) as unknown as CanonicalRecord,
  );

const accepted = (input: PutInput) => ({
  FailedPutCount: 0,
  RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
});

describe('local Pipe runner: Firehose target', () => {
  it('puts a 500-record batch in one PutRecordBatch call, each record its compact JSON', async () => {
    // Arrange
    const { client, inputs } = fakeClient(accepted);
    const batch = records(500);
    // Act
    await firehoseTarget(client, 'lake-local').deliver(batch);
    // Assert
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.DeliveryStreamName).toBe('lake-local');
    expect(inputs[0]?.Records.map((r) => new TextDecoder().decode(r.Data))).toEqual(
      batch.map((r) => JSON.stringify(r)),
    );
  });

  it('fails the whole batch when the response reports FailedPutCount > 0, without re-sending', async () => {
    // Arrange: record 2 of 4 throttled
    const { client, inputs } = fakeClient((input) => ({
      FailedPutCount: 1,
      RequestResponses: input.Records.map((_, i) =>
        i === 2
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
          : { RecordId: `r${i}` },
      ),
    }));
    // Act
    const delivery = firehoseTarget(client, 'lake-local').deliver(records(4));
    // Assert
    await expect(delivery).rejects.toBeInstanceOf(RetriableError);
    await expect(delivery).rejects.toThrow(/1 of 4 records were not written.*ServiceUnavailableException/);
    expect(inputs).toHaveLength(1);
  });

  it('fails the whole batch when the call itself fails (throttled)', async () => {
    // Arrange
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ServiceUnavailableException' });
    const { client, inputs } = fakeClient(() => {
      throw throttled;
    });
    // Act
    const delivery = firehoseTarget(client, 'lake-local').deliver(records(3));
    // Assert
    await expect(delivery).rejects.toThrow(/3 of 3 records were not written/);
    expect(inputs).toHaveLength(1);
  });
});
