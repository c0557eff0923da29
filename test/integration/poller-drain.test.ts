/**
 * The fallback poller against the real broker (mTLS with the private chain, SASL_SSL/SCRAM) and moto:
 * every produced record reaches Kinesis exactly as the enrichment produces it, offsets are committed
 * to the source's group (which never gets members), the lock serializes readers.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runPreflight } from '../../cli/preflight/engine.js';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections } from '../../devkit/testbed/kafka.js';
import { POLL_STATUS } from '../../fallback-poller/constants.js';
import type { PartitionSession } from '../../fallback-poller/ports.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import {
  digest,
  drainPartition,
  duplicateCount,
  expectedKinesisData,
  kinesisData,
  produceApicEvents,
  realPoller,
  setupPollerResources,
  type Transport,
} from './poller-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
afterAll(() => aws.destroy());

describe('poller drains a 3-partition topic', () => {
  it.each<{ name: string; transport: Transport }>([
    {
      name: 'mTLS, truststore in S3, PBES1-encrypted client key in Secrets Manager',
      transport: { kind: 'mtls', truststore: 's3-chain', key: 'pbes1' },
    },
    {
      name: 'mTLS, long trust bundle (> 65,536 B) in S3, PBES2-encrypted key',
      transport: { kind: 'mtls', truststore: 's3-long', key: 'pbes2' },
    },
    {
      name: 'SASL_SSL SCRAM-SHA-512, root CA secret in Pipes format',
      transport: { kind: 'scram', truststore: 'secret' },
    },
  ])('$name', async ({ transport }) => {
    // Arrange
    const config = await setupPollerResources(bed, aws, transport, conns.plaintext);
    const produced = await produceApicEvents(conns.plaintext, config.topic, 3, 400);
    const poll = realPoller({ ...config, maxRecordsPerInvocation: 300 }, aws);
    // Act
    const responses = (await Promise.all([0, 1, 2].map((p) => drainPartition(poll, p)))).flat();
    // Assert
    const delivered = responses.reduce((sum, r) => sum + r.counts.delivered, 0);
    expect(delivered).toBe(1_200);
    expect(await fetchGroupLag(conns.plaintext, config.groupId, config.topic)).toEqual(
      [0, 1, 2].map((partition) => ({
        partition,
        committed: '400',
        logStart: '0',
        logEnd: '400',
        lag: '0',
      })),
    );
    const byPartition = [0, 1, 2].map((p) =>
      responses.filter((r) => r.partition === p).map((r) => r.statusCode),
    );
    expect(byPartition).toEqual([0, 1, 2].map(() => [200, 200, 204]));
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced)),
    );
    const first = responses.find((r) => r.partition === 1 && r.iteration === 1);
    expect(first).toMatchObject({
      ...POLL_STATUS.fullyProcessed,
      counts: { read: 300, delivered: 300, dlq: 0, committed: 300, failed: 0 },
      firstOffsetCommitted: '0',
      lastOffsetCommitted: '299',
      committedOffset: '300',
      lag: '100',
      stopReason: 'batch-limit',
    });
  });

  it('the long trust bundle the poller reads from S3 is refused as a Pipe secret by the preflight', () => {
    // Arrange: the same bundle as the "long trust bundle" drain above
    const bundle = bed.pki.longTrustBundle;
    const secretBytes = Buffer.byteLength(JSON.stringify({ certificate: bundle }));
    // Act
    const report = runPreflight({
      sourceName: 'onprem-long-chain',
      kind: 'self-managed',
      brokers: [bed.kafka.ssl],
      authType: 'mtls',
      material: {
        clientCertificate: { text: bed.pki.clientCert, origin: 'secret:client' },
        clientKey: { text: bed.pki.clientKeyEncrypted, origin: 'secret:client' },
        clientKeyPassword: bed.pki.clientKeyPassword,
        trustBundle: { text: bundle, origin: 's3://truststore/long.pem' },
      },
      now: new Date(),
    });
    // Assert
    expect(secretBytes).toBeGreaterThan(65_536);
    expect(report.decision).toEqual({
      engine: 'poller',
      reason: `the root CA secret made from s3://truststore/long.pem would be ${secretBytes.toLocaleString('en-US')} bytes, over the 65,536-byte limit of a Pipe secret`,
    });
  });

  it('two invocations on the same partition at once: exactly one reads, the other answers 203', async () => {
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'plain' },
      conns.plaintext,
    );
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 200);
    const poll = realPoller(config, aws);
    const results = await Promise.all([
      poll({ kafka_partition: 0, iteration: 1 }),
      poll({ kafka_partition: 0, iteration: 1 }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 203]);
    expect(results.find((r) => r.statusCode === 203)).toMatchObject({
      message: 'Another lambda processing records in partition, skipping.',
      detail: `lock ${config.topic}_0 is held by another reader`,
      counts: { read: 0 },
    });
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(
        expectedKinesisData(
          config,
          config.topic,
          produced.filter((r) => r.partition === 0),
        ),
      ),
    );
  });

  it("a crashed holder's lock is taken over once expiresAt has passed", async () => {
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'plain' },
      conns.plaintext,
      1,
    );
    await produceApicEvents(conns.plaintext, config.topic, 1, 50);
    const expiresAt = Date.now() + 1_500;
    await aws.dynamodb.send(
      new PutItemCommand({
        TableName: config.lockTable,
        Item: {
          topic_partition: { S: `${config.topic}_0` },
          owner: { S: 'crashed-invocation' },
          expiresAt: { N: String(expiresAt) },
          ttl: { N: String(Math.ceil(expiresAt / 1000) + 3600) },
        },
      }),
    );
    const poll = realPoller(config, aws);
    const whileHeld = await poll({ kafka_partition: 0, iteration: 1 });
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 100));
    const afterExpiry = await poll({ kafka_partition: 0, iteration: 2 });
    expect(whileHeld.statusCode).toBe(203);
    expect(afterExpiry).toMatchObject({ statusCode: 200, counts: { committed: 50 } });
  });

  it('crash after PutRecords and before the commit: the records are delivered again, none lost', async () => {
    // Arrange: the first commit of the first invocation dies (as if the Lambda were killed there)
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'plain' },
      conns.plaintext,
      1,
    );
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 1_200);
    let crashes = 1;
    const poll = realPoller(config, aws, {
      wrapReader: (reader) => ({
        ...reader,
        async open(request) {
          const session = await reader.open(request);
          return {
            ...session,
            highWatermark: () => session.highWatermark(),
            nextOffset: () => session.nextOffset(),
            poll: (n, w) => session.poll(n, w),
            close: () => session.close(),
            async commit(offset) {
              // The start offset (0, committed before anything is read) passes; the first commit after a PutRecords dies.
              if (offset !== session.start.offset && crashes-- > 0)
                throw new Error('simulated crash before commit');
              return session.commit(offset);
            },
          } satisfies PartitionSession;
        },
      }),
    });
    // Act
    const responses = await drainPartition(poll, 0);
    // Assert
    const data = await kinesisData(aws, config.streamName);
    const expected = expectedKinesisData(config, config.topic, produced);
    const first = responses[0];
    expect(first).toMatchObject({ statusCode: 503, stopReason: 'commit-failed', counts: { committed: 0 } });
    expect(first?.counts.delivered).toBe(first?.counts.read);
    expect(digest([...new Set(data)])).toEqual(digest(expected));
    expect(duplicateCount(data)).toBe(first?.counts.delivered);
    expect(first?.counts.read).toBeGreaterThan(0);
    expect((await fetchGroupLag(conns.plaintext, config.groupId, config.topic))[0]?.committed).toBe('1200');
  });

  it('Kinesis partial failures (a third of the entries fail twice): every record is delivered exactly once', async () => {
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 's3-chain' },
      conns.plaintext,
      1,
    );
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 900);
    const failures = new Map<string, number>();
    let injected = 0;
    const poll = realPoller({ ...config, kinesisMaxAttempts: 5 }, aws, {
      wrapSink: (sink) => ({
        async putRecords(entries) {
          // Fail every third entry (by content) on its first two attempts, without writing it.
          const results = entries.map((e) => {
            const id = Buffer.from(e.data).toString('utf8').slice(0, 120);
            const n = (failures.get(id) ?? 0) + 1;
            failures.set(id, n);
            const h = [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1_000_003, 7);
            return h % 3 === 0 && n <= 2 ? ('fail' as const) : ('pass' as const);
          });
          const passing = entries.filter((_, i) => results[i] === 'pass');
          const written = passing.length > 0 ? await sink.putRecords(passing) : [];
          let k = 0;
          return results.map((r) => {
            if (r === 'fail') {
              injected++;
              return { errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'injected' };
            }
            return written[k++] ?? {};
          });
        },
      }),
    });
    const responses = await drainPartition(poll, 0);
    const data = await kinesisData(aws, config.streamName);
    expect(injected).toBeGreaterThan(300);
    expect(digest(data)).toEqual(digest(expectedKinesisData(config, config.topic, produced)));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 204]);
  });

  it('answers a health check without Kafka, and describes partitions for partitions: auto', async () => {
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      3,
    );
    const poll = realPoller({ ...config, brokers: ['127.0.0.1:1'] }, aws);
    const describePoll = realPoller(config, aws);
    expect(await poll({ type: 'health' })).toMatchObject({ statusCode: 200, message: 'healthy' });
    expect(await describePoll({ type: 'describe' })).toMatchObject({ partitions: [0, 1, 2] });
  });
});
