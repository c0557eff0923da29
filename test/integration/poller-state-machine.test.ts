/**
 * The synthesized poller state machine definition, executed locally (aws-local-stepfunctions, Node 20
 * polyfill) with its Lambda task states bound to the REAL handler module (fallback-poller/handler.ts,
 * env validated at import, SDK clients pointed at moto through AWS_ENDPOINT_URL) and the real broker.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections } from '../../devkit/testbed/kafka.js';
import { POLLER_CONFIG_ENV, type PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { runPollerDefinitionLocally } from '../../fallback-poller/run-local.js';
import { buildPollerDefinition, scheduleInput } from '../../fallback-poller/state-machine.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import {
  digest,
  expectedKinesisData,
  kinesisData,
  produceApicEvents,
  setupPollerResources,
} from './poller-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
afterAll(() => aws.destroy());

let config: PollerRuntimeConfig & { readonly streamName: string };
let handler: (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<unknown>;
const calls: unknown[] = [];

/**
 * The local `lambda:invoke` binding. Invocations are serialized because moto's Kinesis loses records
 * under concurrent PutRecords to one stream (see poller-fixture.ts); the Map states still run in parallel.
 */
let queue: Promise<unknown> = Promise.resolve();
function invokeRealHandler(payload: unknown): Promise<unknown> {
  calls.push(payload);
  const run = queue.then(() => handler(payload, { getRemainingTimeInMillis: () => 60_000 }));
  queue = run.catch(() => undefined);
  return run;
}

beforeAll(async () => {
  config = {
    ...(await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 'secret', key: 'pbes1' },
      conns.plaintext,
    )),
    maxRecordsPerInvocation: 60,
  };
  Object.assign(process.env, {
    [POLLER_CONFIG_ENV]: JSON.stringify(config),
    AWS_ENDPOINT_URL: bed.moto.endpoint,
    AWS_REGION: bed.moto.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = (await import('../../fallback-poller/handler.js')) as { handler: typeof handler });
});

describe('poller state machine executed locally with the real handler', () => {
  it('runs a loop of polls per partition (iterations each when caught up) and drains the topic', async () => {
    // Arrange
    const produced = await produceApicEvents(conns.plaintext, config.topic, 3, 100);
    calls.length = 0;
    // Act
    const result = await runPollerDefinitionLocally(
      buildPollerDefinition({ sourceName: config.sourceName }),
      scheduleInput({ iterations: 2, partitions: 'auto', secondsWait: 5, lambdaName: 'poller' }),
      invokeRealHandler,
    );
    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(1 + 2 * 3);
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced)),
    );
    expect((await fetchGroupLag(conns.plaintext, config.groupId, config.topic)).map((p) => p.lag)).toEqual([
      '0',
      '0',
      '0',
    ]);
  });

  it('fails the execution when a partition task fails, after the other partitions ran every poll', async () => {
    calls.length = 0;
    const result = await runPollerDefinitionLocally(
      buildPollerDefinition({ sourceName: config.sourceName }),
      scheduleInput({ iterations: 2, partitions: [0, 9], secondsWait: 0, lambdaName: 'poller' }),
      invokeRealHandler,
    );
    // The execution's cause names the failed partition's loop and the poller's own error.
    expect(result).toMatchObject({ status: 'FAILED', error: 'PollerIterationFailed' });
    const loops = (JSON.parse((result as { cause: string }).cause) as { $: string[] }).$;
    expect(loops).toEqual([
      'Task Succeeded: partition 0 poll 2: status 204',
      expect.stringMatching(/^Task Failed: partition 9 poll 1: .*partition 9 does not exist/),
    ]);
    expect((calls as { kafka_partition: number }[]).filter((c) => c.kafka_partition === 0)).toHaveLength(2);
  });
});
