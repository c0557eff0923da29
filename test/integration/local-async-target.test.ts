/**
 * The local FIRE_AND_FORGET target against moto: the sink logic is invoked asynchronously, retried
 * `retryAttempts` times, and a batch it cannot write ends in the target DLQ as a Lambda on-failure
 * invocation record carrying the batch (so the reconciliation can account its eventIds).
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { ensureQueue, ensureStream } from '../../devkit/local/aws-resources.js';
import { planSource } from '../../devkit/local/plan.js';
import { lambdaTarget } from '../../devkit/local/wiring.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import { parseSourceFile } from '../../pipes/load-sources.js';

const bed = inject('testbed');

function sourceWith(name: string, retryAttempts: number) {
  return parseSourceFile(
    [
      `name: ${name}`,
      'kind: self-managed',
      'brokers: [b1.example.com:9092]',
      'topic: tp',
      `target: { type: lambda, retryAttempts: ${retryAttempts}, maxEventAgeSeconds: 60, partitionKey: record-key }`,
    ].join('\n'),
    `${name}.yaml`,
  );
}

const records = [
  { eventId: 'e1', partitionKey: 'k1', source: 's', kafka: { offset: '1' } },
  { eventId: 'e2', partitionKey: 'k2', source: 's', kafka: { offset: '2' } },
];

describe('local FIRE_AND_FORGET Lambda target', () => {
  it('writes the batch to the stream through the sink logic', async () => {
    // Arrange
    const aws = awsClients(bed.moto.endpoint, bed.moto.region);
    const plan = planSource(sourceWith(uniqueName('ok').slice(0, 30), 2));
    await ensureStream(aws.kinesis, plan.streamName, 1);
    const dlqUrl = await ensureQueue(aws.sqs, `${plan.source.name}-dlq`);
    const { target, invoker } = lambdaTarget(plan, aws.kinesis, aws.sqs, dlqUrl, 0);
    // Act
    await target.deliver(records as never);
    await invoker.drain();
    const read = await readAllRecords(aws.kinesis, plan.streamName);
    aws.destroy();
    // Assert
    expect(read.map((r) => [r.partitionKey, JSON.parse(r.data.toString()).eventId])).toEqual([
      ['k1', 'e1'],
      ['k2', 'e2'],
    ]);
    expect(invoker.stats).toEqual({ accepted: 1, succeeded: 1, failedToDestination: 0, attempts: 1 });
  });

  it('sends a batch it cannot write to the DLQ as an invocation record after the retries', async () => {
    // Arrange: the stream does not exist, every attempt fails
    const aws = awsClients(bed.moto.endpoint, bed.moto.region);
    const plan = planSource(sourceWith(uniqueName('fail').slice(0, 30), 1));
    const dlqUrl = await ensureQueue(aws.sqs, `${plan.source.name}-dlq`);
    const { target, invoker } = lambdaTarget(plan, aws.kinesis, aws.sqs, dlqUrl, 0);
    // Act
    await target.deliver(records as never);
    await invoker.drain();
    const got = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    aws.destroy();
    // Assert
    expect(got.Messages).toHaveLength(1);
    const body = JSON.parse(got.Messages?.[0]?.Body ?? '{}');
    expect(body).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${plan.source.name}-local-Sink`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: records,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'RetriableError' },
    });
    expect(invoker.stats).toEqual({ accepted: 1, succeeded: 0, failedToDestination: 1, attempts: 2 });
  });
});
