import { describe, expect, it } from 'vitest';
import {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  createAsyncInvoker,
  type InvocationRecord,
} from '../../../devkit/local/async-invoke.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:sink-local';

function harness(failures: number, retryAttempts: number, opts: { maxAge?: number; stepMs?: number } = {}) {
  let clock = 0;
  let calls = 0;
  const records: InvocationRecord[] = [];
  const sleeps: number[] = [];
  const invoker = createAsyncInvoker({
    functionArn: ARN,
    retryAttempts,
    maxEventAgeSeconds: opts.maxAge ?? 3600,
    retryDelaysMs: [60_000, 120_000],
    handler: async () => {
      calls++;
      if (calls <= failures) throw new TypeError(`failure ${calls}`);
    },
    onFailure: async (r) => {
      records.push(r);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += opts.stepMs ?? ms;
    },
    now: () => clock,
  });
  return { invoker, records, sleeps, calls: () => calls };
}

describe('createAsyncInvoker', () => {
  it.each([
    // failures, retryAttempts, calls, destination records, sleeps
    [0, 2, 1, 0, []],
    [1, 2, 2, 0, [60_000]],
    [2, 2, 3, 0, [60_000, 120_000]],
    [3, 2, 3, 1, [60_000, 120_000]],
    [1, 0, 1, 1, []],
    [5, 1, 2, 1, [60_000]],
  ])(
    '%i failures with %i retries → %i calls, %i records',
    async (failures, retries, calls, nRecords, sleeps) => {
      // Arrange
      const h = harness(failures, retries);
      // Act
      h.invoker.invoke([{ eventId: 'e1', partitionKey: 'k' }]);
      await h.invoker.drain();
      // Assert
      expect(h.calls()).toBe(calls);
      expect(h.records).toHaveLength(nRecords);
      expect(h.sleeps).toEqual(sleeps);
    },
  );

  it('writes the Lambda on-failure invocation record', async () => {
    // Arrange
    const h = harness(9, 2);
    const payload = [{ eventId: 'e1', partitionKey: 'k' }];
    // Act
    const requestId = h.invoker.invoke(payload);
    await h.invoker.drain();
    // Assert
    expect(h.records[0]).toEqual({
      version: '1.0',
      timestamp: new Date(180_000).toISOString(),
      requestContext: {
        requestId,
        functionArn: ARN,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'failure 3' },
    });
    expect(h.invoker.stats).toEqual({ accepted: 1, succeeded: 0, failedToDestination: 1, attempts: 3 });
  });

  it('sends an event older than maxEventAge to the destination instead of retrying', async () => {
    // Arrange: 61 s max age, first retry after 60 s passes, second after 180 s does not
    const h = harness(9, 2, { maxAge: 61, stepMs: 100_000 });
    // Act
    h.invoker.invoke([]);
    await h.invoker.drain();
    // Assert
    expect(h.calls()).toBe(1);
    expect(h.records[0]?.requestContext.condition).toBe('EventAgeExceeded');
  });

  it('refuses a payload over the async limit', () => {
    const h = harness(0, 0);
    const big = ['x'.repeat(ASYNC_PAYLOAD_LIMIT_BYTES)];
    expect(() => h.invoker.invoke(big)).toThrow(
      new RangeError(
        `Async invoke payload is ${ASYNC_PAYLOAD_LIMIT_BYTES + 4} bytes; the limit is ${ASYNC_PAYLOAD_LIMIT_BYTES} (lower the source batchSize)`,
      ),
    );
  });
});
