/**
 * `kafka-pipes dlq replay --to lambda` end to end through the real SDK v3 LambdaClient: the REAL sink
 * handler (targets/sink-handler.ts, env pointed at moto) served by the local Invoke endpoint
 * (devkit/testbed/lambda-endpoint.ts), SQS and Kinesis on moto, and the CLI run as an operator runs it
 * (bin/kafka-pipes.js in a child process; the SDK's service-specific AWS_ENDPOINT_URL_SQS /
 * AWS_ENDPOINT_URL_LAMBDA env vars send each client to its endpoint).
 *
 * Story: the Pipe invokes the sink asynchronously while its stream does not exist → the retries fail and
 * the on-failure destination puts the Lambda invocation record in the sink DLQ → replay while the cause
 * persists fails and leaves the message → --dry-run invokes nothing → the stream is created → replay
 * re-invokes the sink and every record lands in Kinesis with the bytes the sink writes in the normal path.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { receiveMessages, releaseMessages } from '../../cli/dlq/queue.js';
import type { ReplaySummary } from '../../cli/dlq/replay.js';
import { createApicGenerator } from '../../devkit/apic-generator.js';
import { ensureQueue, ensureStream } from '../../devkit/local/aws-resources.js';
import { sqsOnFailureDestination } from '../../devkit/local/wiring.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import { type LambdaEndpoint, startLambdaEndpoint } from '../../devkit/testbed/lambda-endpoint.js';
import {
  buildPipeKafkaRecord,
  type CanonicalRecord,
  compileRules,
  DEFAULT_RULES,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import { toStreamEntries } from '../../targets/deliver-batch.js';

const bed = inject('testbed');
const ROOT = join(import.meta.dirname, '..', '..');
const name = uniqueName('lreplay').toLowerCase();
const SINK = `${name}-Sink`;
const stream = `${name}-events-test`;
const RECORD_COUNT = 5;

/** The env of the handler process (what the deployed sink gets) and of the operator's shell. */
const awsEnv = () => ({
  AWS_REGION: bed.moto.region,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
});
const HANDLER_ENV: Record<string, string> = {
  STREAM_NAME: stream,
  AWS_ENDPOINT_URL_KINESIS: bed.moto.endpoint,
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

let aws: AwsClients;
let endpoint: LambdaEndpoint;
let pipeLambda: LambdaClient;
let queueUrl: string;
let records: CanonicalRecord[];
const savedEnv: Record<string, string | undefined> = {};

/** Runs `kafka-pipes <args>` as a child process, as an operator would, with only the Lambda and SQS endpoints set. */
function operatorCli(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...awsEnv(),
    AWS_ENDPOINT_URL_SQS: bed.moto.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: endpoint.url,
    NO_COLOR: '1',
  };
  delete env.AWS_ENDPOINT_URL;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kafka-pipes.js'), ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const replayArgs = (...extra: string[]) => [
  '--json',
  'dlq',
  'replay',
  queueUrl,
  '--queue',
  'sink',
  '--to',
  'lambda',
  '--function',
  SINK,
  ...extra,
];

async function depth(): Promise<{ visible: number; inFlight: number }> {
  const res = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

beforeAll(async () => {
  for (const [k, v] of Object.entries({ ...awsEnv(), ...HANDLER_ENV })) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  queueUrl = await ensureQueue(aws.sqs, `KafkaPipes-test-${name}TargetDlq4D5E`);
  // The real handler module: reads STREAM_NAME and creates its Kinesis client at import, as in Lambda.
  const { handler } = await import('../../targets/sink-handler.js');
  endpoint = await startLambdaEndpoint({
    region: bed.moto.region,
    functions: {
      [SINK]: {
        handler,
        async: {
          retryAttempts: 1,
          maxEventAgeSeconds: 60,
          retryDelaysMs: [0, 0],
          onFailure: sqsOnFailureDestination(aws.sqs, queueUrl),
        },
      },
    },
  });
  pipeLambda = new LambdaClient({ ...aws.config, endpoint: endpoint.url });

  // The batch the Pipe hands the sink: API Connect events through the enrichment with the default rules.
  const gen = createApicGenerator({ seed: 42 });
  const pipeEvent = Array.from({ length: RECORD_COUNT }, (_, i) =>
    buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: 'b-1.example.com:9092',
      topic: 'apic-events',
      partition: 0,
      offset: String(100 + i),
      timestamp: Date.UTC(2026, 0, 1, 0, 0, i),
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(JSON.stringify(gen.next())),
      headers: [],
    }),
  );
  const outcome = enrichBatch(pipeEvent, {
    rules: compileRules(DEFAULT_RULES),
    sourceName: name,
    partitionKey: { type: 'record-key' },
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 1)),
  });
  records = outcome.records;
  if (records.length !== RECORD_COUNT || outcome.dlq.length > 0)
    throw new Error(`the enrichment gave ${records.length} record(s) and ${outcome.dlq.length} DLQ entries`);
});

afterAll(async () => {
  await endpoint?.close();
  pipeLambda?.destroy();
  aws?.destroy();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('dlq replay --to lambda (real sink handler behind a local Invoke endpoint, moto SQS + Kinesis)', () => {
  it('an async invoke whose retries fail puts the Lambda invocation record into the sink DLQ', async () => {
    // Act: the Pipe's FIRE_AND_FORGET target, while the stream does not exist
    const res = await pipeLambda.send(
      new InvokeCommand({
        FunctionName: SINK,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(records)),
      }),
    );
    await endpoint.drain();
    // Assert
    expect(res.StatusCode).toBe(202);
    const messages = await receiveMessages(aws.sqs, queueUrl, 10, 30);
    await releaseMessages(aws.sqs, queueUrl, messages);
    expect(messages).toHaveLength(1);
    const body = JSON.parse(messages[0]?.body ?? '');
    expect(body).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestContext: {
        requestId: expect.any(String),
        functionArn: endpoint.functionArn(SINK),
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: records,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'RetriableError',
        errorMessage: expect.stringMatching(
          new RegExp(
            `^${RECORD_COUNT} of ${RECORD_COUNT} records were not written to the stream after 4 attempts \\(`,
          ),
        ),
      },
    });
    expect(messages[0]?.parsed).toMatchObject({
      kind: 'sink',
      reason: `RetriableError: ${body.responsePayload.errorMessage}`,
      records: records.map((r) => ({ topic: 'apic-events', partition: 0, offset: r.kafka.offset })),
    });
  });

  it('replay while the stream is still missing fails, and the message stays and is visible again', async () => {
    // Act
    const run = await operatorCli(replayArgs());
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as ReplaySummary & { target: unknown; left: number };
    expect(summary).toMatchObject({
      messages: 1,
      outcomes: { failed: 1 },
      recordsDelivered: 0,
      target: { function: SINK },
      left: 1,
    });
    expect(summary.problems[0]?.detail).toMatch(
      new RegExp(
        `^sink function failed \\(Unhandled\\): \\{"errorType":"RetriableError","errorMessage":"${RECORD_COUNT} of ${RECORD_COUNT} records were not written to the stream after 4 attempts \\(`,
      ),
    );
    expect(await depth()).toEqual({ visible: 1, inFlight: 0 });
    expect(endpoint.requests.at(-1)).toEqual({
      functionName: SINK,
      invocationType: 'RequestResponse',
      logType: null,
      qualifier: null,
      payloadBytes: Buffer.byteLength(JSON.stringify(records)),
      status: 200,
    });
  });

  it('--dry-run invokes nothing and leaves the message', async () => {
    // Arrange
    const before = endpoint.requests.length;
    // Act
    const run = await operatorCli(replayArgs('--dry-run'));
    // Assert
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, outcomes: { 'would-deliver': 1 } });
    expect(endpoint.requests).toHaveLength(before);
    expect(await depth()).toEqual({ visible: 1, inFlight: 0 });
  });

  it('after the stream is created, replay delivers every record byte-identical and empties the DLQ', async () => {
    // Arrange: fix the cause
    await ensureStream(aws.kinesis, stream, 1);
    // Act
    const run = await operatorCli(replayArgs());
    // Assert
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      messages: 1,
      outcomes: { delivered: 1 },
      recordsDelivered: RECORD_COUNT,
      problems: [],
      left: 0,
    });
    expect(await depth()).toEqual({ visible: 0, inFlight: 0 });
    const written = await readAllRecords(aws.kinesis, stream);
    // The normal path's bytes: the sink's own entries (toStreamEntries) and the canonical serialization.
    const normal = toStreamEntries(records);
    expect(written.map((r) => r.partitionKey)).toEqual(records.map((r) => r.partitionKey));
    expect(written.map((r) => r.data)).toEqual(normal.map((e) => Buffer.from(e.data)));
    expect(written.map((r) => r.data.toString('utf8'))).toEqual(records.map((r) => serializeCanonical(r)));
  });
});

describe('local Invoke endpoint through the SDK LambdaClient', () => {
  it.each([
    ['DryRun', 204],
    ['Event', 202],
  ] as const)('answers InvocationType %s with StatusCode %i', async (type, status) => {
    // Act
    const res = await pipeLambda.send(
      new InvokeCommand({
        FunctionName: endpoint.functionArn(SINK),
        InvocationType: type,
        Payload: Buffer.from('[]'),
      }),
    );
    await endpoint.drain();
    // Assert
    expect(res.StatusCode).toBe(status);
    expect(res.FunctionError).toBeUndefined();
  });

  it('returns the handler result with the executed version and the log tail', async () => {
    // Act: an empty batch is valid for the sink and writes nothing
    const res = await pipeLambda.send(
      new InvokeCommand({ FunctionName: SINK, LogType: 'Tail', Payload: Buffer.from('[]') }),
    );
    // Assert
    expect(res.StatusCode).toBe(200);
    expect(res.ExecutedVersion).toBe('$LATEST');
    expect(res.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(res.Payload ?? []).toString('utf8'))).toEqual({ delivered: 0 });
    expect(Buffer.from(res.LogResult ?? '', 'base64').toString('utf8')).toMatch(
      /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/,
    );
  });

  it('reports a thrown error as FunctionError Unhandled with the runtime error document', async () => {
    // Act: not an array of records → the sink's InvalidSinkEventError
    const res = await pipeLambda.send(
      new InvokeCommand({ FunctionName: SINK, Payload: Buffer.from('{"a":1}') }),
    );
    // Assert
    expect(res.StatusCode).toBe(200);
    expect(res.FunctionError).toBe('Unhandled');
    const doc = JSON.parse(Buffer.from(res.Payload ?? []).toString('utf8'));
    expect(doc).toEqual({
      errorType: 'InvalidSinkEventError',
      errorMessage: 'Sink event must be an array of records, received object',
      trace: expect.any(Array),
    });
    expect(doc.trace[0]).toMatch(/Error: Sink event must be an array of records, received object$/);
  });

  it.each([
    ['an unknown function', 'no-such-fn', undefined, 'no-such-fn'],
    ['an unpublished version of the sink', SINK, '3', `${SINK}:3`],
    ['an unknown alias in the ARN', `${SINK}:prod`, undefined, `${SINK}:prod`],
  ])('rejects %s with the SDK ResourceNotFoundException (404)', async (_case, fn, qualifier, missing) => {
    // Arrange
    const before = endpoint.requests.length;
    // Act
    const error = await pipeLambda
      .send(new InvokeCommand({ FunctionName: fn, Qualifier: qualifier, Payload: Buffer.from('[]') }))
      .catch((e: unknown) => e);
    // Assert
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${endpoint.functionArn(missing)}`,
      Type: 'User',
      $metadata: { httpStatusCode: 404 },
    });
    expect(endpoint.requests.slice(before).map((r) => r.status)).toEqual([404]);
  });
});
