/**
 * Narrow unit case of `dlq replay --to lambda`: the exact text of the failure detail, which quotes the
 * sink's error payload capped at 300 characters (SQS and Lambda clients mocked). The replay itself —
 * invoke, deletion after success, the message left visible on failure, --dry-run invoking nothing — is
 * proven end to end with the real LambdaClient and the real sink handler in
 * test/integration/cli-dlq-lambda-replay.test.ts.
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
import { replayDlq } from '../../../cli/dlq/replay.js';
import { functionReplayTarget } from '../../../cli/dlq/targets.js';

const fixtures = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'dlq-messages.json'), 'utf8'),
) as { sinkDestination: unknown };

const sqsMock = mockClient(SQSClient);
const lambdaMock = mockClient(LambdaClient);

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
const SHORT = '{"errorType":"RetriableError","errorMessage":"stream throttled"}';
const LONG = JSON.stringify({ errorType: 'RetriableError', errorMessage: 'x'.repeat(400) });

describe('dlq replay --to lambda: failure detail', () => {
  it.each([
    ['a short error payload whole', SHORT, `sink function failed (Unhandled): ${SHORT}`],
    [
      'a long error payload cut to 300 characters',
      LONG,
      `sink function failed (Unhandled): ${LONG.slice(0, 300)}`,
    ],
  ])('quotes %s', async (_case, errorPayload, detail) => {
    // Arrange
    lambdaMock
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload(errorPayload) });
    // Act
    const summary = await replayDlq({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.local/123/KafkaPipes-prod-OrdersTargetDlq',
      target: functionReplayTarget('orders-sink', new LambdaClient({ region: 'us-east-1' })),
      dryRun: false,
      max: 10,
    });
    // Assert
    expect(summary.problems).toEqual([{ messageId: 'm1', outcome: 'failed', detail }]);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });
});
