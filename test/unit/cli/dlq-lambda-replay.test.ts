/**
 * Narrow unit case: replaying the sink DLQ by re-invoking the sink Lambda (moto cannot run Lambdas here),
 * with the SQS and Lambda clients mocked. Deletion only after a successful invoke.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { replayDlq } from '../../../cli/dlq.js';

const fixtures = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'dlq-messages.json'), 'utf8'),
) as {
  sinkDestination: { requestPayload: unknown };
};

const sqsMock = mockClient(SQSClient);
const lambdaMock = mockClient(LambdaClient);
const QUEUE = 'https://sqs.local/123/KafkaPipes-prod-OrdersTargetDlq';

beforeEach(() => {
  sqsMock.reset();
  lambdaMock.reset();
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({
      Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(fixtures.sinkDestination) }],
    })
    .resolves({ Messages: [] });
  sqsMock.on(DeleteMessageCommand).resolves({});
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [] });
});

/** An Invoke response payload (the SDK's Uint8Array blob with transformToString). */
const payload = (text: string) => Object.assign(Buffer.from(text), { transformToString: () => text });

const replay = () =>
  replayDlq({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE,
    target: {
      type: 'lambda',
      functionName: 'orders-sink',
      lambda: new LambdaClient({ region: 'us-east-1' }),
    },
    dryRun: false,
    max: 10,
  });

describe('dlq replay --to lambda', () => {
  it('re-invokes the sink with the original batch and deletes the message after success', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"delivered":2}') });
    const summary = await replay();
    expect(summary).toMatchObject({ messages: 1, outcomes: { delivered: 1 }, recordsDelivered: 2 });
    const invoke = lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(invoke).toMatchObject({ FunctionName: 'orders-sink', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(invoke?.Payload as Uint8Array).toString('utf8'))).toEqual(
      fixtures.sinkDestination.requestPayload,
    );
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual([
      'r1',
    ]);
  });

  it('leaves the message in place when the sink fails again', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload('{"errorType":"RetriableError","errorMessage":"stream throttled"}'),
    });
    const summary = await replay();
    expect(summary.outcomes).toEqual({ failed: 1 });
    expect(summary.problems[0]?.detail).toBe(
      'sink function failed (Unhandled): {"errorType":"RetriableError","errorMessage":"stream throttled"}',
    );
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    const released = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries;
    expect(released).toEqual([{ Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 }]);
  });
});
