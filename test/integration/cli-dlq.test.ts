import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DlqSummary } from '../../cli/dlq/messages.js';
import { findSourceQueue } from '../../cli/dlq/queue.js';
import type { ReplaySummary } from '../../cli/dlq/replay.js';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  createSqsDlqSink,
  type DlqEntry,
  enrichBatch,
  parseRules,
} from '../../enrichment/index.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
const RULES_V1 = `name: replay-test
version: 1.0.0
operations:
  - id: legacy-meta
    op: set
    field: api.app_name.meta
    value: 1
    when: "api.app_name == 'legacy'"
`;
// The fix: write the marker where it can go.
const RULES_V2 = RULES_V1.replace('version: 1.0.0', 'version: 1.0.1').replace(
  'api.app_name.meta',
  'attributes.legacy',
);

const event = (app: string, i: number) =>
  JSON.stringify({
    app_name: app,
    status_code: '200 OK',
    transaction_id: `${app}-${i}`,
    uri_path: '/orders',
  });

let aws: AwsClients;
let cliAws: CliAwsClients;
let dir: string;
let rulesFile: string;
let queueUrl: string;
let dlqEntries: DlqEntry[];
const name = uniqueName('replay').toLowerCase();
const topic = uniqueName('cli-dlq');
const stream = `${name}-events-test`;

async function visible(url: string): Promise<number> {
  const res = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(res.Attributes?.ApproximateNumberOfMessages) +
    Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
  dir = sourcesDir({});
  rulesFile = join(dir, 'replay.rules.yaml');
  writeFileSync(rulesFile, RULES_V1);
  writeFileSync(
    join(dir, `${name}.yaml`),
    `name: ${name}\nkind: self-managed\nbrokers: [${bed.kafka.plaintext}]\ntopic: ${topic}\n` +
      `rules: ${rulesFile}\ntarget:\n  type: kinesis\n  partitionKey: field:api.transaction_id\n`,
  );
  // The stack names queues <stack>-<id>EnrichmentDlq<hash> and tags them with the source name.
  const q = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: `KafkaPipes-test-${name}EnrichmentDlq1A2B3C`,
      tags: { 'kafka-pipes:source': name },
    }),
  );
  queueUrl = q.QueueUrl as string;
  await aws.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));

  // Poison records in a topic → the enrichment path (enrichBatch + the SQS DLQ sink, as the Lambda does).
  const conn = kafkaConnections(bed).plaintext;
  await createTopic(conn, topic, 2);
  const values = [0, 1, 2, 3, 4, 5].map((i) => ({
    value: event(i % 2 === 0 ? 'shop' : 'legacy', i),
    partition: i % 2,
  }));
  await produceMessages(conn, topic, values);
  const consumed = await consumeMessages(conn, topic, { count: values.length, timeoutMs: 30_000 });
  const records = consumed.map((m) =>
    buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: bed.kafka.plaintext,
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }),
  );
  const outcome = enrichBatch(records, {
    rules: compileRules(parseRules(RULES_V1, rulesFile)),
    sourceName: name,
    partitionKey: { type: 'field', path: 'api.transaction_id' },
  });
  dlqEntries = outcome.dlq;
  await createSqsDlqSink(aws.sqs, queueUrl).send(outcome.dlq);
});

afterAll(() => {
  aws.destroy();
  cliAws.lambda.destroy();
});

describe('kafka-pipes dlq (real broker, moto SQS + Kinesis)', () => {
  it('puts the poison records of the topic into the enrichment DLQ', () => {
    expect(dlqEntries.map((e) => [e.partition, e.reason])).toEqual([
      [
        1,
        'rule-error: rule legacy-meta failed: cannot write api.app_name.meta: api.app_name is not an object',
      ],
      [
        1,
        'rule-error: rule legacy-meta failed: cannot write api.app_name.meta: api.app_name is not an object',
      ],
      [
        1,
        'rule-error: rule legacy-meta failed: cannot write api.app_name.meta: api.app_name is not an object',
      ],
    ]);
  });

  it('inspects by source name without consuming', async () => {
    // Act
    const run = await cli(['--json', '--sources-dir', dir, 'dlq', 'inspect', name], { aws: cliAws });
    // Assert
    expect(run.code).toBe(0);
    const s = run.json<DlqSummary>();
    expect(s).toMatchObject({
      queueUrl,
      total: 3,
      byReason: { 'rule-error': 3 },
      partitions: [{ topic, partition: 1, count: 3, minOffset: '0', maxOffset: '2' }],
      truncated: 0,
    });
    expect(await visible(queueUrl)).toBe(3);
    const again = await cli(['dlq', 'inspect', queueUrl], { aws: cliAws });
    expect(again.stdout).toContain('looked at 3 message(s) holding 3 record(s)\n');
    expect(again.stdout).toContain(
      'by reason\n       3  rule-error  e.g. rule-error: rule legacy-meta failed: cannot write api.app_name.meta: api.app_name is not an object\n',
    );
    expect(again.stdout).toContain(`by topic/partition\n  ${topic}-1: 3 record(s), offsets 0..2\n`);
    expect(await visible(queueUrl)).toBe(3);
  });

  it('replays nothing with --dry-run', async () => {
    writeFileSync(rulesFile, RULES_V2);
    const run = await cli(
      ['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--env', 'test', '--dry-run'],
      {
        aws: cliAws,
      },
    );
    expect(run.code).toBe(0);
    expect(run.json<ReplaySummary>().outcomes).toEqual({ 'would-deliver': 3 });
    expect(await visible(queueUrl)).toBe(3);
    expect(await readAllRecords(aws.kinesis, stream)).toEqual([]);
  });

  it('leaves the messages in place when delivery fails', async () => {
    const run = await cli(
      ['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--stream', 'no-such-stream'],
      {
        aws: cliAws,
      },
    );
    expect(run.code).toBe(1);
    const summary = run.json<ReplaySummary>();
    expect(summary.outcomes).toEqual({ failed: 3 });
    expect(await visible(queueUrl)).toBe(3);
    const inspect = await cli(['--json', 'dlq', 'inspect', queueUrl], { aws: cliAws });
    expect(inspect.json<DlqSummary>().byReason).toEqual({ 'rule-error': 3 });
  });

  it('after the rule fix delivers every record to Kinesis with its eventId and empties the DLQ', async () => {
    // Act
    const run = await cli(
      ['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--env', 'test', '--rate', '20'],
      {
        aws: cliAws,
      },
    );
    // Assert
    expect(run.code).toBe(0);
    expect(run.json<ReplaySummary>()).toMatchObject({
      messages: 3,
      outcomes: { delivered: 3 },
      recordsDelivered: 3,
    });
    expect(await visible(queueUrl)).toBe(0);
    const written = (await readAllRecords(aws.kinesis, stream)).map((r) =>
      JSON.parse(r.data.toString('utf8')),
    );
    expect(written.map((r) => r.eventId).sort()).toEqual(dlqEntries.map((e) => e.eventId).sort());
    expect(written.map((r) => [r.api.app_name, r.attributes.legacy, r.ruleVersion.split('+')[0]])).toEqual([
      ['legacy', 1, 'replay-test@1.0.1'],
      ['legacy', 1, 'replay-test@1.0.1'],
      ['legacy', 1, 'replay-test@1.0.1'],
    ]);
  });

  it('requeues entries that still fail with the new reason', async () => {
    // Arrange: one more poison entry, and rules that still break it.
    await createSqsDlqSink(aws.sqs, queueUrl).send([dlqEntries[0] as DlqEntry]);
    writeFileSync(rulesFile, RULES_V1.replace('version: 1.0.0', 'version: 1.0.2'));
    // Act
    const run = await cli(['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--env', 'test'], {
      aws: cliAws,
    });
    // Assert
    expect(run.code).toBe(1);
    expect(run.json<ReplaySummary>().outcomes).toEqual({ requeued: 1 });
    const inspect = await cli(['--json', 'dlq', 'inspect', queueUrl], { aws: cliAws });
    expect(inspect.json<DlqSummary>().total).toBe(1);
    expect(Object.keys(inspect.json<DlqSummary>().ruleVersions)[0]).toMatch(/^replay-test@1\.0\.2\+/);
  });

  it('replays a sink DLQ batch (Lambda on-failure record) to the stream', async () => {
    // Arrange
    const sinkQueue = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: `KafkaPipes-test-${name}TargetDlq9Z8Y` }),
    );
    const url = sinkQueue.QueueUrl as string;
    const records = [0, 1].map((i) => ({
      eventId: `e${i}`,
      partitionKey: `k${i}`,
      kafka: { topic, partition: 0, offset: String(10 + i) },
      api: { app_name: 'shop' },
    }));
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify({
          version: '1.0',
          requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
          requestPayload: records,
          responseContext: { statusCode: 200, functionError: 'Unhandled' },
          responsePayload: { errorType: 'RetriableError', errorMessage: '2 records not written' },
        }),
      }),
    );
    // Act
    const inspect = await cli(['--json', 'dlq', 'inspect', url, '--queue', 'sink'], { aws: cliAws });
    const replay = await cli(['--json', 'dlq', 'replay', url, '--queue', 'sink', '--stream', stream], {
      aws: cliAws,
    });
    // Assert
    expect(inspect.json<DlqSummary>()).toMatchObject({
      byReason: { RetriableError: 1 },
      records: 2,
      partitions: [{ topic, partition: 0, count: 2, minOffset: '10', maxOffset: '11' }],
    });
    expect(replay.code).toBe(0);
    expect(replay.json<ReplaySummary>().recordsDelivered).toBe(2);
    expect(await visible(url)).toBe(0);
    const ids = (await readAllRecords(aws.kinesis, stream)).map(
      (r) => JSON.parse(r.data.toString('utf8')).eventId,
    );
    expect(ids).toEqual(expect.arrayContaining(['e0', 'e1']));
  });

  it.each([
    { stackId: 'EnrichmentDlq', kind: 'enrichment' as const },
    { stackId: 'PollerDlq', kind: 'enrichment' as const },
    { stackId: 'TargetDlq', kind: 'sink' as const },
  ])(
    'finds the $kind DLQ named after $stackId by its tag, not an untagged or other-source queue',
    async ({ stackId, kind }) => {
      // Arrange: the stack's generated names (<stack>-<id><hash>), one tagged for the source, decoys around it
      const source = uniqueName('find').toLowerCase();
      const create = async (queueName: string, tagged: string | null) =>
        (
          await aws.sqs.send(
            new CreateQueueCommand({
              QueueName: queueName,
              ...(tagged ? { tags: { 'kafka-pipes:source': tagged } } : {}),
            }),
          )
        ).QueueUrl as string;
      await create(`KafkaPipes-test-${source}x${stackId}9Z8Y7X`, null);
      await create(`KafkaPipes-test-${source}y${stackId}6W5V4U`, `${source}-other`);
      const wanted = await create(`KafkaPipes-test-${source}${stackId}1A2B3C`, source);
      // Act
      const found = await findSourceQueue(aws.sqs, source, kind);
      // Assert
      expect(found).toBe(wanted);
    },
  );
});
